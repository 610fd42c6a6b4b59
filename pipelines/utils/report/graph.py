"""The pipeline graph of the run page, drawn as inline SVG from the compiled spec.

Each DAG (the pipeline, a ``dsl.ParallelFor``/``dsl.If``/``dsl.ExitHandler`` group, a
sub-pipeline) is laid out in rows by longest path over its tasks' dependencies; a group is a box
holding its own layout. Small and dependency-free: pipelines have tens of tasks, not thousands,
and a page must not need Graphviz to be drawn (nor any download to be shown).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Any

from utils.pipeline.types import Pipeline

TASK_W, TASK_H, GAP_X, GAP_Y, PAD, HEADER = 180, 46, 24, 40, 14, 22
COLOURS = {"ran": "#2e7d32", "reused": "#1565c0", "failed": "#c62828", "skipped": "#9e9e9e", "not run": "#bdbdbd"}


@dataclass
class Box:
    """A task (leaf) or a group, placed at (x, y) relative to its parent's layout."""

    name: str
    width: float
    height: float
    children: list[Box] = field(default_factory=list)
    depends_on: list[str] = field(default_factory=list)
    x: float = 0.0
    y: float = 0.0


def layout(pipeline: Pipeline) -> Box:
    """The laid-out graph of a pipeline (the root box holds the top-level DAG)."""
    spec = pipeline.pipeline_spec
    return _dag_box(pipeline.name, spec.root.dag, spec.components)


def _dag_box(name: str, dag: Any, components: Any) -> Box:
    boxes = {}
    for task_name, task in dag.tasks.items():
        component = components.get(task.component_ref.name)
        if component is not None and component.WhichOneof("implementation") == "dag":
            box = _dag_box(task_name, component.dag, components)
        else:
            box = Box(task_name, TASK_W, TASK_H)
        box.depends_on = [d for d in task.dependent_tasks if d in dag.tasks]
        boxes[task_name] = box
    rank: dict[str, int] = {}

    def rank_of(task_name: str, seen: frozenset[str] = frozenset()) -> int:
        if task_name not in rank:
            deps = [d for d in boxes[task_name].depends_on if d not in seen]
            rank[task_name] = 1 + max((rank_of(d, seen | {task_name}) for d in deps), default=-1)
        return rank[task_name]

    rows: list[list[Box]] = []
    for task_name in sorted(boxes):
        row = rank_of(task_name)
        rows.extend([] for _ in range(row + 1 - len(rows)))
        rows[row].append(boxes[task_name])
    width = max((sum(b.width for b in row) + GAP_X * (len(row) - 1) for row in rows), default=TASK_W)
    y = HEADER + PAD
    for row in rows:
        x = PAD + (width - sum(b.width for b in row) - GAP_X * (len(row) - 1)) / 2
        for box in row:
            box.x, box.y = x, y
            x += box.width + GAP_X
        y += max(b.height for b in row) + GAP_Y
    return Box(name, width + 2 * PAD, y - GAP_Y + PAD, children=list(boxes.values()))


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
        out.append(f'<rect x="{ox:.0f}" y="{oy:.0f}" width="{box.width:.0f}" height="{box.height:.0f}" rx="8" '
                   f'fill="{fill}" stroke="#cfd8dc" stroke-dasharray="{dash}"/>')  # fmt: skip
        out.append(f'<text x="{ox + PAD:.0f}" y="{oy + 16:.0f}" class="group-name">{escape(box.name)}</text>')
        by_name = {child.name: child for child in box.children}
        for child in box.children:
            for dep in child.depends_on:
                src = by_name[dep]
                x1, y1 = ox + src.x + src.width / 2, oy + src.y + src.height
                x2, y2 = ox + child.x + child.width / 2, oy + child.y
                mid = (y1 + y2) / 2
                curve = f"M{x1:.0f},{y1:.0f} C{x1:.0f},{mid:.0f} {x2:.0f},{mid:.0f} {x2:.0f},{y2 - 2:.0f}"
                out.append(f'<path class="edge" d="{curve}" fill="none" stroke="#757575" marker-end="url(#arrow)"/>')
        for child in box.children:
            _draw(child, ox + child.x, oy + child.y, status, out, top=False)
        out.append("</g>")
        return
    state, label = status.get(box.name, ("skipped", "skipped"))
    colour = COLOURS.get(state, COLOURS["skipped"])
    out.append(f'<a href="#task-{escape(box.name)}"><g class="task {escape(state)}" data-task="{escape(box.name)}">')
    out.append(f'<rect x="{ox:.0f}" y="{oy:.0f}" width="{box.width:.0f}" height="{box.height:.0f}" rx="6" '
               f'fill="{colour}" fill-opacity="0.12" stroke="{colour}" stroke-width="2"/>')  # fmt: skip
    out.append(f'<text x="{ox + 10:.0f}" y="{oy + 19:.0f}" class="task-name">{escape(box.name)}</text>')
    out.append(f'<text x="{ox + 10:.0f}" y="{oy + 36:.0f}" class="task-state" fill="{colour}">{escape(label)}</text>')
    out.append("</g></a>")
