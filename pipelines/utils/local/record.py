"""What happened to each task of a local run: ran, reused or failed, its attempts, time and log.

:class:`RunRecorder` receives the run's task-level events (:mod:`utils.kfp_seams.local_run`) and
keeps one :class:`TaskRecord` per task execution: a task with retries is one record with its
attempts, a loop's iterations are one record each, named ``task[0]``, ``task[1]``. Every name is
the task's name as ``make tasks`` prints it (:class:`utils.pipeline.task_graph.TaskGraph`).

A task's log is what it printed. It is kept whole on disk beside its outputs' folder (``train.log``
beside ``train/``; the folder itself holds only what the task wrote) and, in memory, its head and
tail (the page and ``run.json`` show those, never hundreds of MB).
"""

from __future__ import annotations

import collections
import contextlib
import os
import textwrap
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from utils.kfp_seams.local_run import FAILED, RAN, REUSED, RunHooks, TaskRun
from utils.pipeline.task_graph import TaskGraph

# Where logs grow while their task runs (in the pipeline root, which tasks never write to).
SPOOL = ".task-logs"


@dataclass
class TaskRecord:
    """One task execution.

    Attributes:
        name: The task's name (``make tasks``), with its loop iteration (``make-rows[1]``).
        outcome: ``ran``, ``reused`` or ``failed``.
        started: When it started (seconds since the epoch).
        seconds: How long it took.
        inputs: Its arguments by input name (values, and kfp artifacts).
        outputs: Its outputs by name (values, and kfp artifacts); {} when it failed.
        log: What the task printed (its head and tail when it printed a lot).
        attempts: How many times it ran (several with ``set_retry``; 0 when reused).
        log_file: The whole log on disk, when it printed anything.
        task: The task's name without its iteration (its node in the graph).
        iteration: The indexes of the loop iterations it ran in, outermost first.
        reason: Why it ran rather than being reused ("" when reused).
    """

    name: str
    outcome: str
    started: float
    seconds: float
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    log: str = ""
    attempts: int = 1
    log_file: Path | None = None
    task: str = ""
    iteration: tuple[int, ...] = ()
    reason: str = ""

    def __post_init__(self) -> None:
        self.task = self.task or self.name


class TaskLog:
    """A task's output as it comes: whole in a file, its first and last ``keep`` bytes in memory.

    While the task runs the file grows in a folder of the run's own (``spool``): the task's folder
    is the task's to create (a container may run as another user, who must be able to). When the
    task ends, :meth:`close` moves the file to ``path``, beside the task's outputs.
    """

    def __init__(self, path: Path | None, keep: int = 256 * 1024, spool: Path | None = None) -> None:
        self.path, self._keep = path, keep
        self._spool = spool / f"{uuid.uuid4().hex}.log" if spool is not None and path is not None else path
        self._file: IO[str] | None = None
        self._head: list[str] = []
        self._head_size = 0
        self._tail: collections.deque[str] = collections.deque()
        self._tail_size = 0
        self._dropped_lines = self._dropped_size = 0

    def write(self, line: str) -> None:
        """Keeps a line: on disk, and in the head or the tail."""
        if self._spool is not None:
            if self._file is None:
                with contextlib.suppress(OSError):
                    self._spool.parent.mkdir(parents=True, exist_ok=True)
                    self._file = open(self._spool, "a", encoding="utf-8", errors="replace")  # noqa: SIM115
            if self._file is not None:
                self._file.write(line)
        if self._head_size < self._keep:
            self._head.append(line)
            self._head_size += len(line)
            return
        self._tail.append(line)
        self._tail_size += len(line)
        while self._tail_size > self._keep and len(self._tail) > 1:
            dropped = self._tail.popleft()
            self._tail_size -= len(dropped)
            self._dropped_lines += 1
            self._dropped_size += len(dropped)

    def close(self) -> None:
        """Closes the file and moves it beside the task's outputs (it stays where it is if it cannot)."""
        if self._file is None:
            return
        self._file.close()
        self._file = None
        if self._spool != self.path:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                os.replace(self._spool, self.path)
            except OSError:
                self.path = self._spool

    @property
    def written(self) -> bool:
        """Whether the task printed anything, so that there is a file."""
        return self.path is not None and self.path.is_file()

    @property
    def cut(self) -> bool:
        """Whether lines between the head and the tail were left out of :meth:`text`."""
        return bool(self._dropped_lines)

    def text(self) -> str:
        """The log, or its head and tail with a line saying what was left out and where it all is."""
        head = "".join(self._head)
        tail = "".join(self._tail)
        if not self._dropped_lines:
            return textwrap.dedent(head + tail)
        where = f": the whole log is {self.path}" if self.path is not None else ""
        gap = f"\n[... {self._dropped_lines} lines ({self._dropped_size / 1e6:.1f} MB) not shown{where} ...]\n\n"
        return textwrap.dedent(head) + gap + textwrap.dedent(tail)


class RunRecorder(RunHooks):
    """Collects one :class:`TaskRecord` per task execution, from any thread (loops run in parallel)."""

    def __init__(self, graph: TaskGraph, pipeline_root: Path | None = None, no_reuse: str | None = None) -> None:
        """Records the tasks of a pipeline's run.

        Args:
            graph: The pipeline's tasks (for their names).
            pipeline_root: Where the run's folder is (the full logs go beside each task's outputs).
            no_reuse: Why no task of this run can be reused, if none can (``--no-cache``, an old kfp).
        """
        self._no_reuse = no_reuse
        self.records: list[TaskRecord] = []
        self.run_name: str | None = None  # kfp's name for the run: its folder under the pipeline root
        self.fail_stack: list[str] = []
        self._graph, self._root = graph, pipeline_root
        self._lock = threading.Lock()
        self._log = threading.local()  # the log of the task running in this thread

    def key(self, task: TaskRun) -> str:
        """The task's name as ``make tasks`` prints it."""
        node = self._graph.of_component(task.component, task.name)
        return self._graph.key(node) if node is not None else (task.name or task.component.removeprefix("comp-"))

    def name(self, task: TaskRun) -> str:
        """The name a task execution is shown by: its task's, with its loop iteration (``make-rows[1]``)."""
        key = self.key(task)
        return f"{key}[{','.join(map(str, task.iteration))}]" if task.iteration else key

    def run_named(self, name: str) -> None:  # noqa: D102
        self.run_name = name

    def task_started(self, task: TaskRun) -> None:  # noqa: D102
        path = self._root / f"{task.folder}.log" if self._root is not None else None
        spool = self._root / SPOOL if self._root is not None else None
        self._log.current = TaskLog(path, spool=spool)

    def attempt_started(self, task: TaskRun) -> None:  # noqa: D102
        if task.attempts > 1:
            self.capture(f"[pipe-fiction] attempt {task.attempts} of task '{self.name(task)}'\n")

    def task_finished(self, task: TaskRun, outcome: str, outputs: dict[str, Any]) -> None:  # noqa: D102
        log: TaskLog | None = getattr(self._log, "current", None)
        self._log.current = None
        if log is not None:
            log.close()
        written = log is not None and log.written
        record = TaskRecord(
            name=self.name(task),
            outcome=outcome,
            started=task.started,
            seconds=max(time.time() - task.started, 0.0),
            inputs=dict(task.inputs),
            outputs=dict(outputs),
            log=log.text() if log is not None else "",
            attempts=task.attempts,
            log_file=log.path if written else None,
            task=self.key(task),
            iteration=task.iteration,
            reason="" if outcome == REUSED else (self._no_reuse or task.reason or "caching is off for this task"),
        )
        with self._lock:
            self.records.append(record)

    def tasks_failed(self, fail_stack: list[str]) -> None:  # noqa: D102
        self.fail_stack = list(fail_stack)

    def capture(self, line: str) -> None:
        """Keeps a line of output for the task running in this thread (if one is)."""
        log: TaskLog | None = getattr(self._log, "current", None)
        if log is not None:
            log.write(line)

    def failed_task(self) -> str | None:
        """The task that failed the run: the first failed record, else kfp's innermost failed task."""
        failed = sorted((r for r in self.records if r.outcome == FAILED), key=lambda r: r.started)
        if failed:
            return failed[0].name
        return self.fail_stack[0] if self.fail_stack else None


def format_table(records: list[TaskRecord]) -> str:
    """The run's tasks in the order they started: name, outcome, seconds, attempts, why it ran; then totals."""
    if not records:
        return "Tasks: none ran"
    rows = sorted(records, key=lambda r: r.started)
    width = max(len("task"), *(len(r.name) for r in rows))
    retried = any(r.attempts > 1 for r in rows)
    lines = [f"{'task':<{width}}  {'outcome':<7}  {'seconds':>7}" + ("  attempts" if retried else "") + "  why"]
    for r in rows:
        attempts = f"  {r.attempts:>8}" if retried else ""
        lines.append(f"{r.name:<{width}}  {r.outcome:<7}  {r.seconds:7.2f}{attempts}  {r.reason}".rstrip())
    counts = {outcome: sum(r.outcome == outcome for r in rows) for outcome in (RAN, REUSED, FAILED)}
    lines.append(", ".join(f"{count} {outcome}" for outcome, count in counts.items() if count))
    return "\n".join(lines)
