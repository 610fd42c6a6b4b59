"""The pipeline graph of the run page, drawn as inline SVG from the compiled spec.

Each DAG (the pipeline, a ``dsl.ParallelFor``/``dsl.If``/``dsl.ExitHandler`` group, a
sub-pipeline) is laid out in layers by :mod:`utils.report.layout` (long edges routed around the
boxes, crossings reduced); a group is a box holding its own layout, labelled as the pipeline
names it (``dsl.If(..., name="tuned")``), else by its condition or what it loops over.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass, field
from html import escape
from typing import Any

from utils.pipeline.types import Pipeline
from utils.report.layout import Point, layered

TASK_W, TASK_H, GAP_X, GAP_Y, PAD, HEADER = 180, 46, 28, 44, 14, 24
COLOURS = {"ran": "#2e7d32", "reused": "#1565c0", "failed": "#c62828", "skipped": "#9e9e9e", "not run": "#bdbdbd"}
_CHANNEL = re.compile(r"(?:int|float|str|bool)?\(?inputs\.parameter_values\['pipelinechannel--([^']+)'\]\)?")


@dataclass
class Box:
    """A task (leaf) or a group, placed at (x, y) relative to its parent's layout."""

    name: str
    width: float
    height: float
    label: str = ""
    children: list[Box] = field(default_factory=list)
    depends_on: list[str] = field(default_factory=list)
    routes: dict[tuple[str, str], list[Point]] = field(default_factory=dict)
    x: float = 0.0
    y: float = 0.0


def group_label(key: str, task: Any) -> str:
    """What a group is called on the page: its name in the pipeline, else what it does."""
    if task.task_info.name and task.task_info.name != key:
        return task.task_info.name
    condition = task.trigger_policy.condition
    if condition:
        return "if " + _CHANNEL.sub(lambda m: m.group(1), condition)
    if task.WhichOneof("iterator") == "parameter_iterator":
        items = task.parameter_iterator.items
        source = items.input_parameter.removeprefix("pipelinechannel--") or _short(items.raw)
        return f"for each of {source}"
    if task.WhichOneof("iterator") == "artifact_iterator":
        return f"for each of {task.artifact_iterator.items.input_artifact.removeprefix('pipelinechannel--')}"
    return key


def _short(raw: str, limit: int = 40) -> str:
    with contextlib.suppress(ValueError):
        raw = json.dumps(json.loads(raw), separators=(",", ":"))
    return raw if len(raw) <= limit else raw[: limit - 1] + "…"


def layout(pipeline: Pipeline) -> Box:
    """The laid-out graph of a pipeline (the root box holds the top-level DAG)."""
    spec = pipeline.pipeline_spec
    return _dag_box(pipeline.name, pipeline.name, spec.root.dag, spec.components)


def _dag_box(name: str, label: str, dag: Any, components: Any) -> Box:
    boxes = {}
    for task_name, task in dag.tasks.items():
        component = components.get(task.component_ref.name)
        if component is not None and component.WhichOneof("implementation") == "dag":
            box = _dag_box(task_name, group_label(task_name, task), component.dag, components)
        else:
            box = Box(task_name, TASK_W, TASK_H)
        box.depends_on = sorted(d for d in task.dependent_tasks if d in dag.tasks)
        boxes[task_name] = box
    ordered = dict(sorted(boxes.items()))
    drawn = layered(
        {n: (b.width, b.height) for n, b in ordered.items()},
        [(d, n) for n, b in ordered.items() for d in b.depends_on],
        GAP_X,
        GAP_Y,
    )
    top = HEADER + PAD
    for n, box in ordered.items():
        box.x, box.y = PAD + drawn.positions[n][0], top + drawn.positions[n][1]
    routes = {edge: [(PAD + x, top + y) for x, y in points] for edge, points in drawn.routes.items()}
    width = max(drawn.width, _text_width(label) - 2 * PAD, TASK_W / 2) + 2 * PAD
    return Box(name, width, top + drawn.height + PAD, label, list(ordered.values()), routes=routes)


def _text_width(text: str) -> float:
    return 7.2 * len(text) + 2 * PAD


def to_svg(root: Box, status: dict[str, tuple[str, str]]) -> str:
    """The graph as an ``<svg>`` element.

    Args:
        root: From :func:`layout`.
        status: Task name -> (status, label under the name, e.g. "ran 1.20 s").
    """
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="graph" width="{root.width:.0f}" height="{root.height:.0f}" '
        f'viewBox="0 0 {root.width:.0f} {root.height:.0f}" role="img" aria-label="pipeline graph">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#757575"/></marker></defs>',
    ]
    _draw(root, 0.0, 0.0, status, parts, top=True)
    parts.append("</svg>")
    return "\n".join(parts)


def _draw(box: Box, ox: float, oy: float, status: dict[str, tuple[str, str]], out: list[str], top: bool) -> None:
    if box.children or top:
        cls = "dag" if top else "group"
        out.append(f'<g class="{cls}" data-task="{escape(box.name)}">')
        fill, dash = ("#ffffff", "") if top else ("#f5f7fa", "4 3")
        out.append(f'<rect x="{ox:.1f}" y="{oy:.1f}" width="{box.width:.1f}" height="{box.height:.1f}" rx="8" '
                   f'fill="{fill}" stroke="#cfd8dc" stroke-dasharray="{dash}"/>')  # fmt: skip
        out.append(f'<text x="{ox + PAD:.1f}" y="{oy + 17:.1f}" class="group-name">{escape(box.label)}</text>')
        for (source, target), points in sorted(box.routes.items()):
            path = " ".join(f"{'M' if i == 0 else 'L'}{ox + x:.1f},{oy + y:.1f}" for i, (x, y) in enumerate(points))
            out.append(f'<path class="edge" data-from="{escape(source)}" data-to="{escape(target)}" d="{path}" '
                       'fill="none" stroke="#757575" stroke-linejoin="round" marker-end="url(#arrow)"/>')  # fmt: skip
        for child in box.children:
            _draw(child, ox + child.x, oy + child.y, status, out, top=False)
        out.append("</g>")
        return
    state, label = status.get(box.name, ("skipped", "skipped"))
    colour = COLOURS.get(state, COLOURS["skipped"])
    out.append(f'<a href="#task-{escape(box.name)}"><g class="task {escape(state)}" data-task="{escape(box.name)}">')
    out.append(f"<title>{escape(box.name)}: {escape(label)}</title>")
    out.append(f'<rect x="{ox:.1f}" y="{oy:.1f}" width="{box.width:.1f}" height="{box.height:.1f}" rx="6" '
               f'fill="{colour}" fill-opacity="0.12" stroke="{colour}" stroke-width="2"/>')  # fmt: skip
    out.append(f'<text x="{ox + 10:.1f}" y="{oy + 19:.1f}" class="task-name">{escape(_fit(box.name))}</text>')
    out.append(f'<text x="{ox + 10:.1f}" y="{oy + 36:.1f}" class="task-state" fill="{colour}">{escape(label)}</text>')
    out.append("</g></a>")


def _fit(name: str, limit: int = 22) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"
