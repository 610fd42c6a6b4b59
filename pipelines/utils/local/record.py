"""What happened to each task of a local run: ran, reused or failed, and how long it took.

kfp.local runs every task through ``task_dispatcher.run_single_task_implementation`` (an
importer through ``importer_handler.run_importer``) on every kfp from 2.7 to 2.17; both are
looked up on their modules at call time, so wrapping them for the length of a run sees each
task run. A task kfp >= 2.17 takes from its cache never gets there: :mod:`utils.local.reuse`
reports those through :meth:`RunRecorder.reused`. The run's name (its folder) is kfp's
``executor_input_utils.get_local_pipeline_resource_name``'s answer, also on every kfp.
"""

from __future__ import annotations

import contextlib
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from utils.pipeline.discovery import task_components

RAN, REUSED, FAILED = "ran", "reused", "failed"


@dataclass
class TaskRecord:
    """One task execution.

    Attributes:
        name: The task's name in the pipeline (its component's, where several tasks share one).
        outcome: ``ran``, ``reused`` or ``failed``.
        started: When it started (seconds since the epoch).
        seconds: How long it took.
        inputs: Its arguments by input name (values, and kfp artifacts).
        outputs: Its outputs by name (values, and kfp artifacts); {} when it failed.
        log: What the task printed.
    """

    name: str
    outcome: str
    started: float
    seconds: float
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    log: str = ""


class RunRecorder:
    """Collects :class:`TaskRecord` s, from any thread (kfp runs loop iterations in parallel)."""

    def __init__(self, task_of_component: dict[str, str]) -> None:
        self.records: list[TaskRecord] = []
        self.run_name: str | None = None  # kfp's name for the run: its folder under the pipeline root
        self._names = task_of_component
        self._lock = threading.Lock()
        self._log = threading.local()  # the lines of the task running in this thread

    def name(self, component: str) -> str:
        """The task name a component runs as."""
        return self._names.get(component) or component.removeprefix("comp-")

    def add(self, component: str, outcome: str, started: float, inputs: Any = None, outputs: Any = None) -> None:
        """Records a task that started at ``started`` (a ``time.time()``) and ended now, with its log."""
        lines, self._log.lines = getattr(self._log, "lines", None) or [], None
        seconds = max(time.time() - started, 0.0)
        record = TaskRecord(self.name(component), outcome, started, seconds, dict(inputs or {}), dict(outputs or {}))
        record.log = textwrap.dedent("".join(lines))
        with self._lock:
            self.records.append(record)

    def reused(self, component: str, started: float, inputs: Any, outputs: Any) -> None:
        """Records a task whose outputs came from the cache."""
        self.add(component, REUSED, started, inputs, outputs)

    def capture(self, line: str) -> None:
        """Keeps a line of output for the task running in this thread (if one is)."""
        lines = getattr(self._log, "lines", None)
        if lines is not None:
            lines.append(line)

    def begin(self) -> None:
        """Starts keeping this thread's output for the task it is about to run."""
        self._log.lines = []


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
        inputs = kwargs.get("arguments", {})
        started = time.time()
        recorder.begin()
        try:
            outputs, task_status = function(*args, **kwargs)
        except BaseException:
            recorder.add(component, FAILED, started, inputs)
            raise
        outcome = RAN if task_status == status.Status.SUCCESS else FAILED
        recorder.add(component, outcome, started, inputs, outputs)
        return outputs, task_status

    return run


@contextlib.contextmanager
def recording_failures(failed: list[str]) -> Iterator[None]:
    """Records the fail stack kfp's orchestrator reports, while a pipeline runs (kfp 2.7 to 2.17).

    kfp raises a RuntimeError whose only trace of the failed task is its coloured message; the
    orchestrator's ``log_and_maybe_raise_for_failure`` gets the task names as a list. Wrapped
    for the block only; where a kfp has no such function, the message is read instead.
    """
    from kfp.local import pipeline_orchestrator

    original = getattr(pipeline_orchestrator, "log_and_maybe_raise_for_failure", None)
    if original is None:
        yield
        return

    def recording(*args: Any, **kwargs: Any) -> Any:
        failed[:] = list(kwargs.get("fail_stack", args[2] if len(args) > 2 else []))
        return original(*args, **kwargs)

    pipeline_orchestrator.log_and_maybe_raise_for_failure = recording
    try:
        yield
    finally:
        pipeline_orchestrator.log_and_maybe_raise_for_failure = original


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
