"""What happened to each task of a local run: ran, reused or failed, and how long it took.

kfp.local runs every task through ``task_dispatcher.run_single_task_implementation`` (an
importer through ``importer_handler.run_importer``) on every kfp from 2.7 to 2.17; both are
looked up on their modules at call time, so wrapping them for the length of a run sees each
task run. A task kfp >= 2.17 takes from its cache never gets there: :mod:`utils.task_reuse`
reports those through :meth:`RunRecorder.reused`. The run's name (its folder) is kfp's
``executor_input_utils.get_local_pipeline_resource_name``'s answer, also on every kfp.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from utils.pipeline_discovery import task_components

RAN, REUSED, FAILED = "ran", "reused", "failed"


@dataclass
class TaskRecord:
    """One task execution.

    Attributes:
        name: The task's name in the pipeline (its component's, where several tasks share one).
        outcome: ``ran``, ``reused`` or ``failed``.
        started: When it started (seconds since the epoch).
        seconds: How long it took.
    """

    name: str
    outcome: str
    started: float
    seconds: float


class RunRecorder:
    """Collects :class:`TaskRecord` s, from any thread (kfp runs loop iterations in parallel)."""

    def __init__(self, task_of_component: dict[str, str]) -> None:
        self.records: list[TaskRecord] = []
        self.run_name: str | None = None  # kfp's name for the run: its folder under the pipeline root
        self._names = task_of_component
        self._lock = threading.Lock()

    def name(self, component: str) -> str:
        """The task name a component runs as."""
        return self._names.get(component) or component.removeprefix("comp-")

    def add(self, component: str, outcome: str, started: float) -> None:
        """Records a task that started at ``started`` (a ``time.time()``) and ended now."""
        record = TaskRecord(self.name(component), outcome, started, max(time.time() - started, 0.0))
        with self._lock:
            self.records.append(record)

    def reused(self, component: str, started: float) -> None:
        """Records a task whose outputs came from the cache."""
        self.add(component, REUSED, started)


@contextlib.contextmanager
def recording(pipeline: Any) -> Iterator[RunRecorder]:
    """Records every task kfp runs while the block runs.

    Args:
        pipeline: The ``@dsl.pipeline`` being run (for its task names).
    """
    from kfp.local import executor_input_utils, importer_handler, task_dispatcher

    recorder = RunRecorder(task_components(pipeline))
    saved = [
        (task_dispatcher, "run_single_task_implementation", _timed),
        (importer_handler, "run_importer", _timed),
        (executor_input_utils, "get_local_pipeline_resource_name", _naming),
    ]
    saved = [(module, name, getattr(module, name), wrap) for module, name, wrap in saved]
    for module, name, function, wrap in saved:
        setattr(module, name, wrap(function, recorder))
    try:
        yield recorder
    finally:
        for module, name, function, _ in saved:
            setattr(module, name, function)


def _naming(function: Callable[..., str], recorder: RunRecorder) -> Callable[..., str]:
    def named(*args: Any, **kwargs: Any) -> str:
        recorder.run_name = function(*args, **kwargs)
        return recorder.run_name

    return named


def _timed(function: Callable[..., Any], recorder: RunRecorder) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        from kfp.local import status

        component = kwargs.get("component_name", args[1] if len(args) > 1 else "?")
        started = time.time()
        try:
            outputs, task_status = function(*args, **kwargs)
        except BaseException:
            recorder.add(component, FAILED, started)
            raise
        recorder.add(component, RAN if task_status == status.Status.SUCCESS else FAILED, started)
        return outputs, task_status

    return run


def format_table(records: list[TaskRecord]) -> str:
    """The run's tasks in the order they started: name, outcome, seconds; then the totals."""
    if not records:
        return "Tasks: none ran"
    rows = sorted(records, key=lambda r: r.started)
    width = max(len("task"), *(len(r.name) for r in rows))
    lines = [f"{'task':<{width}}  {'outcome':<7}  {'seconds':>7}"]
    lines += [f"{r.name:<{width}}  {r.outcome:<7}  {r.seconds:7.2f}" for r in rows]
    counts = {outcome: sum(r.outcome == outcome for r in rows) for outcome in (RAN, REUSED, FAILED)}
    lines.append(", ".join(f"{count} {outcome}" for outcome, count in counts.items() if count))
    return "\n".join(lines)
