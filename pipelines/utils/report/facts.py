"""What a local run leaves in its folder besides the artifacts: ``run.json`` and ``index.html``.

``run.json`` holds the facts (pipeline, arguments, runner, times, each task's inputs, outputs
and log, the metrics); ``index.html`` is the run page drawn from them and the compiled spec
(:mod:`utils.report.page`); ``make runs`` reads every ``run.json`` (:mod:`utils.report.runs_index`).
A page that cannot be written costs a warning, never the run.
"""

from __future__ import annotations

import datetime
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import kfp
from loguru import logger

from utils.local.record import TaskRecord

PAGE, FACTS = "index.html", "run.json"


@dataclass
class RunFacts:
    """One local run, as the page and ``make runs`` see it."""

    pipeline: Any
    arguments: dict[str, Any]
    runner: str
    image: str | None
    started: float
    tasks: list[TaskRecord]
    outputs: dict[str, Any]
    failed_task: str | None


def plain(value: Any) -> Any:
    """A value as JSON: an artifact becomes ``{"artifact": type, "uri", "metadata"}``."""
    if hasattr(value, "uri") and hasattr(value, "schema_title"):
        path = getattr(value, "path", None) or value.uri
        return {"artifact": value.schema_title, "uri": value.uri, "path": path, "metadata": plain(value.metadata)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)


def metrics_of(outputs: dict[str, Any]) -> dict[str, Any]:
    """The metadata of the first ``Metrics`` output ({} when there is none)."""
    found = next((o for o in outputs.values() if getattr(o, "schema_title", "") == "system.Metrics"), None)
    return plain(dict(found.metadata)) if found is not None else {}


def format_time(timestamp: float) -> str:
    """A run's time as the page and ``make runs`` show it (local time, to the second)."""
    return datetime.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M:%S")


def summary(facts: RunFacts) -> dict[str, Any]:
    """The JSON facts of a run."""
    return {
        "pipeline": facts.pipeline.name,
        "arguments": plain(facts.arguments),
        "status": "failed" if facts.failed_task else "succeeded",
        "failed_task": facts.failed_task,
        "runner": facts.runner,
        "image": facts.image,
        "kfp": kfp.__version__,
        "started": facts.started,
        "seconds": max(time.time() - facts.started, 0.0),
        "metrics": metrics_of(facts.outputs),
        "outputs": plain(facts.outputs),
        "tasks": [
            {
                "name": t.name,
                "outcome": t.outcome,
                "started": t.started,
                "seconds": t.seconds,
                "inputs": plain(t.inputs),
                "outputs": plain(t.outputs),
                "log": t.log,
            }
            for t in sorted(facts.tasks, key=lambda t: t.started)
        ],
    }


def write(facts: RunFacts, run_dir: Path) -> Path | None:
    """Writes ``run.json`` and the run page into ``run_dir``; returns the page (None if it failed)."""
    from utils.report.page import render

    try:
        data = summary(facts)
        (run_dir / FACTS).write_text(json.dumps(data, indent=2, sort_keys=True))
        page = run_dir / PAGE
        page.write_text(render(data, facts.pipeline), encoding="utf-8")
        return page
    except Exception as error:  # the run itself went fine: a page is not worth failing it
        logger.warning("could not write the run page into {}: {}", run_dir, error)
        return None
