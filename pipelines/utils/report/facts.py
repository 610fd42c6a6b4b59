"""The facts of a local run, as ``run.json`` holds them and the run page and ``make runs`` read them.

``run.json`` holds the facts (pipeline, arguments, runner, times, each task's inputs, outputs
and log, the metrics); ``index.html`` is the run page drawn from them and the compiled spec
(:mod:`utils.report.page`); ``make runs`` reads every ``run.json`` (:mod:`utils.report.runs_index`).
:mod:`utils.report.write` writes both into the run's folder.
"""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import kfp

from utils.pipeline.types import Pipeline

PAGE, FACTS = "index.html", "run.json"


class TaskFacts(Protocol):
    """One task execution as the report reads it (a local run's task record)."""

    name: str
    task: str
    outcome: str
    started: float
    seconds: float
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    log: str
    attempts: int
    iteration: tuple[int, ...]
    log_file: Path | None
    reason: str


@dataclass
class RunFacts:
    """One local run, as the page and ``make runs`` see it."""

    pipeline: Pipeline
    arguments: dict[str, Any]
    runner: str
    image: str | None
    started: float
    tasks: list[TaskFacts]
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
                "attempts": t.attempts,
                "task": t.task,
                "iteration": list(t.iteration),
                "log_file": str(t.log_file) if t.log_file else None,
                "reason": t.reason,
            }
            for t in sorted(facts.tasks, key=lambda t: t.started)
        ],
    }
