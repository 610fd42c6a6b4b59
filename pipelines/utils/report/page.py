"""The run page: one self-contained HTML file (no server, no network, no script) per local run.

Rendered with Jinja2 (autoescaped: a task's log is shown as text, never as markup) from the
run's facts (:mod:`utils.report.facts`) and the compiled spec: the graph (:mod:`utils.report.graph`),
a timeline, and per task its inputs, outputs, artifact previews (:mod:`utils.report.previews`), log
and links to its files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from utils.pipeline.discovery import task_names
from utils.pipeline.types import Pipeline
from utils.report.facts import format_time
from utils.report.graph import COLOURS, layout, to_svg
from utils.report.logs import plain_log
from utils.report.previews import html_view, preview
from utils.report.run_files import RunFiles
from utils.report.visuals import visual

TEMPLATES = Path(__file__).resolve().parent / "templates"
VIEWS = "views"  # in a run's folder: the .html copies its page frames
_ORDER = ("failed", "ran", "reused")


def environment() -> Environment:
    """The Jinja2 environment of the run pages (autoescaping on)."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    env.filters["when"] = format_time
    env.filters["file_uri"] = lambda p: Path(p).resolve().as_uri()
    env.filters["href_in"] = lambda p, folder: quote(Path(p).relative_to(folder).as_posix())
    return env


def task_states(data: dict[str, Any], names: list[str]) -> dict[str, dict[str, Any]]:
    """Each task's state on the page: the worst outcome of its executions, their seconds and count."""
    states: dict[str, dict[str, Any]] = {}
    for task in data["tasks"]:
        state = states.setdefault(
            task.get("task") or task["name"], {"status": task["outcome"], "seconds": 0.0, "count": 0}
        )
        state["seconds"] += task["seconds"]
        state["count"] += 1
        if _ORDER.index(task["outcome"]) < _ORDER.index(state["status"]):
            state["status"] = task["outcome"]
    missing = "not run" if data["status"] == "failed" else "skipped"
    for name in names:
        states.setdefault(name, {"status": missing, "seconds": 0.0, "count": 0})
    return states


def _label(state: dict[str, Any]) -> str:
    if not state["count"]:
        return state["status"]
    times = f" x{state['count']}" if state["count"] > 1 else ""
    return f"{state['status']}{times} {state['seconds']:.2f} s"


def loop_item(task: dict[str, Any], limit: int = 60) -> str:
    """What tells a loop iteration apart on the page: its parameter inputs, short ("" outside a loop)."""
    if not task.get("iteration"):
        return ""
    values = [f"{k}={json.dumps(_whole(v), sort_keys=True)}" for k, v in sorted(task["inputs"].items())
              if not (isinstance(v, dict) and "artifact" in v)]  # fmt: skip
    text = ", ".join(values)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _whole(value: Any) -> Any:
    # kfp hands integers through JSON as floats (2.0): shown as the integers they were.
    if isinstance(value, dict):
        return {k: _whole(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole(v) for v in value]
    return int(value) if isinstance(value, float) and value.is_integer() else value


def timeline(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The bars of the timeline: each task execution's offset and width in percent of the run."""
    start, total = data["started"], max(data["seconds"], 1e-6)
    return [
        {
            "name": t["name"],
            "item": loop_item(t),
            "outcome": t["outcome"],
            "seconds": t["seconds"],
            "left": min(max((t["started"] - start) / total * 100, 0.0), 99.5),
            "width": min(max(t["seconds"] / total * 100, 0.5), 100.0),
        }
        for t in data["tasks"]
    ]


def with_previews(values: dict[str, Any], files: RunFiles, views: Path) -> dict[str, Any]:
    """Inputs or outputs with what the page shows of each artifact (read only within its run's folder).

    Args:
        values: A task's inputs or outputs (from ``run.json``).
        files: The runs' files, as the page may read them.
        views: The folder, inside the new run's folder, for ``.html`` copies of HTML artifacts.
    """
    shown = {}
    for name, value in values.items():
        if isinstance(value, dict) and "artifact" in value:
            kind, metadata = value["artifact"], value.get("metadata") or {}
            drawn = visual(kind, metadata) if isinstance(metadata, dict) else []
            if kind == "system.HTML":
                found = html_view(value["path"], files, views / f"{_safe(name)}.html")
            else:
                found = preview(value["path"], files, kind) if kind != "system.Metrics" else None
            # A confusion matrix drawn is the metadata shown: its raw form is not repeated.
            listed = (
                {
                    k: v
                    for k, v in metadata.items()
                    if k not in ("confusionMatrix", "confidenceMetrics", "evaluationSlices")
                }
                if drawn
                else metadata
            )
            if found and found.get("kind") == "markdown":
                found = {**found, "html": Markup(found["html"])}  # sanitised by nh3 (utils.report.markdown)
            for item in drawn:  # SVG built by utils.report.visuals, every value formatted or escaped there
                item["curves"] = [{**c, "svg": Markup(c["svg"])} for c in item["curves"]]
            value = {**value, "preview": found, "visuals": drawn, "listed": listed}
        shown[name] = value
    return shown


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name).strip(".") or "artifact"


def render(data: dict[str, Any], pipeline: Pipeline, run_dir: Path) -> str:
    """The run page's HTML.

    Args:
        data: The run's facts (:func:`utils.report.facts.summary`).
        pipeline: The ``@dsl.pipeline`` that ran (for its graph).
        run_dir: The run's folder (previews read files only inside the run folders beside it).
    """
    files = RunFiles(run_dir.parent)
    names = task_names(pipeline)
    states = task_states(data, names)
    svg = to_svg(layout(pipeline), {name: (s["status"], _label(s)) for name, s in states.items()})
    tasks = []
    for t in data["tasks"]:
        views = run_dir / VIEWS / _safe(t["name"])
        tasks.append({
            **t,
            "inputs": with_previews(t["inputs"], files, views / "in"),
            "outputs": with_previews(t["outputs"], files, views / "out"),
            "log": plain_log(t.get("log") or ""),
            "item": loop_item(t),
        })  # fmt: skip
    return (
        environment()
        .get_template("run_page.html")
        .render(
            run=data,
            graph=Markup(svg),  # built by run_graph with every name escaped
            timeline=timeline(data),
            run_dir=run_dir,
            tasks=tasks,
            states=states,
            colours=COLOURS,
        )
    )
