"""The run page: one self-contained HTML file (no server, no network, no script) per local run.

Rendered with Jinja2 (autoescaped: a task's log is shown as text, never as markup) from the
run's facts (:mod:`utils.report.facts`) and the compiled spec: the graph (:mod:`utils.report.graph`),
a timeline, and per task its inputs, outputs, artifact previews (:mod:`utils.report.previews`), log
and links to its files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from utils.pipeline.discovery import task_names
from utils.pipeline.types import Pipeline
from utils.report.facts import format_time
from utils.report.graph import COLOURS, layout, to_svg
from utils.report.previews import preview
from utils.report.run_files import RunFiles

TEMPLATES = Path(__file__).resolve().parent / "templates"
_ORDER = ("failed", "ran", "reused")


def environment() -> Environment:
    """The Jinja2 environment of the run pages (autoescaping on)."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    env.filters["when"] = format_time
    env.filters["file_uri"] = lambda p: Path(p).resolve().as_uri()
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


def timeline(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The bars of the timeline: each task execution's offset and width in percent of the run."""
    start, total = data["started"], max(data["seconds"], 1e-6)
    return [
        {
            "name": t["name"],
            "outcome": t["outcome"],
            "seconds": t["seconds"],
            "left": min(max((t["started"] - start) / total * 100, 0.0), 99.5),
            "width": min(max(t["seconds"] / total * 100, 0.5), 100.0),
        }
        for t in data["tasks"]
    ]


def with_previews(values: dict[str, Any], files: RunFiles) -> dict[str, Any]:
    """Inputs or outputs with a preview added to each artifact (read only within its run's folder)."""
    shown = {}
    for name, value in values.items():
        if isinstance(value, dict) and "artifact" in value:
            shown_file = value["artifact"] != "system.Metrics"
            value = {**value, "preview": preview(value["path"], files) if shown_file else None}
        shown[name] = value
    return shown


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
    tasks = [
        {**t, "inputs": with_previews(t["inputs"], files), "outputs": with_previews(t["outputs"], files)}
        for t in data["tasks"]
    ]
    return (
        environment()
        .get_template("run_page.html")
        .render(
            run=data,
            graph=Markup(svg),  # built by run_graph with every name escaped
            timeline=timeline(data),
            tasks=tasks,
            states=states,
            colours=COLOURS,
        )
    )
