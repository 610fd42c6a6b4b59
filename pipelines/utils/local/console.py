"""What a local run prints: every line flushed as it comes, kfp's per-task noise hidden unless asked.

kfp relays each task's output line by line through ``print`` in this process. Two things get in
a user's way there: without ``PYTHONUNBUFFERED`` a pipe holds those lines until the run ends
(so a tool waiting for "is waiting for a debugger" never sees it), and kfp's executor logs about
30 lines of executor-input JSON per task before the task's own output, and lines of its own steps
(loading the component, writing its output file, resolving an input) around it. :class:`TaskOutputFilter`,
put in place of ``sys.stdout`` for a run (:func:`utils.kfp_seams.output.routed`), fixes both;
``--verbose`` keeps kfp's lines.

When several tasks run at once, each task's lines stay together in a block of their own. A task
running alone has the console: its lines show as they come, and it keeps the console until it
ends, though others start meanwhile. Every other task's block shows whole when the task ends (or,
if one still holds the console then, right after it), and the last task left running takes the
console over (what it printed so far, then live: a task held at a breakpoint shows what it prints
as you step). The one line shown out of turn is a task's saying that it waits for a debugger:
you, and VS Code, wait for it; a task holding the console gives it up there while others run.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from utils.debugging.bootstrap import WAITING
from utils.kfp_seams.local_run import RunHooks, TaskRun, current_task

# kfp's executor (kfp.dsl.executor_main) logs its own steps in the task, before and after the
# component runs; kfp.local's orchestrator logs how it resolves each input from its parent.
_EXECUTOR_LINE = re.compile(r"^\s*\[KFP Executor [^\]]*\]: ")
_DUMP_START = re.compile(r"^\s*\[KFP Executor [^\]]*\]: Got executor_input:\s*$")
_ORCHESTRATOR_CHATTER = re.compile(r"^\s*[\d:.]+ - INFO - (Applying|After) expression selector")


@dataclass
class _Lane:
    """One task's output (or the run's own lines): its partial line, kfp's dump state, what waits."""

    pending: str = ""
    dump_end: str | None = None  # while inside the JSON dump: its closing line
    in_dump: bool = False
    waiting: list[str] = field(default_factory=list)


class TaskOutputFilter(RunHooks):
    """A text stream that passes whole lines on, drops kfp's executor-input dump, and keeps tasks' blocks apart.

    It is also the run's hooks: a task's start and end tell it where each block begins and ends.
    """

    def __init__(
        self, stream: TextIO | None = None, verbose: bool = False, tee: Callable[[str], None] | None = None
    ) -> None:
        """Writes to ``stream`` (or the one :meth:`on` gives); ``tee`` gets each kept line in its task's thread."""
        self._stream, self._verbose, self._tee = stream, verbose, tee
        self._lock = threading.RLock()
        self._run = _Lane()  # lines of no task: the run's own
        self._lanes: dict[int, _Lane] = {}  # the running tasks', by their id, in the order they started
        self._ended: list[_Lane] = []  # tasks that ended while another had the console
        self._holder: _Lane | None = None

    def on(self, stream: TextIO) -> TaskOutputFilter:
        """Writes to ``stream`` from now on (for :func:`utils.kfp_seams.output.routed`)."""
        self._stream = stream
        return self

    def write(self, text: str) -> int:
        """Buffers ``text`` and passes on every completed line that is not kfp noise."""
        with self._lock:
            lane = self._lane()
            lane.pending += text
            *lines, lane.pending = lane.pending.split("\n")
            for line in lines:
                if self._verbose or not self._noise(lane, line):
                    if self._tee is not None:
                        self._tee(line + "\n")
                    self._show(lane, line + "\n")
            if lines:
                self._stream.flush()
        return len(text)

    def _lane(self) -> _Lane:
        task = current_task()
        return self._lanes.get(id(task), self._run) if task is not None else self._run

    def _show(self, lane: _Lane, text: str) -> None:
        # A task waiting for a debugger is shown at once: you and VS Code wait for that line.
        if lane is self._holder or (lane is self._run and self._holder is None) or WAITING in text:
            self._stream.write(text)
            if WAITING in text and lane is self._holder and len(self._lanes) > 1:
                self._pass_on()  # held at a breakpoint, it would hold every other task's block back
        else:
            lane.waiting.append(text)

    def _noise(self, lane: _Lane, line: str) -> bool:
        if lane.in_dump:
            if lane.dump_end is None:
                # The dump's first line is "{"; it ends at the "}" with the same indentation.
                lane.dump_end = line.rstrip().removesuffix("{") + "}"
            elif line.rstrip() == lane.dump_end:
                lane.in_dump, lane.dump_end = False, None
            return True
        if _DUMP_START.match(line):
            lane.in_dump = True
            return True
        return bool(_EXECUTOR_LINE.match(line) or _ORCHESTRATOR_CHATTER.match(line))

    def flush(self) -> None:
        """Writes out a partial line too (a prompt, a progress bar) where it is shown now, then flushes."""
        with self._lock:
            lane = self._lane()
            if lane.pending and not lane.in_dump and (lane is self._holder or lane is self._run):
                self._show(lane, lane.pending)
                lane.pending = ""
            self._stream.flush()

    def task_started(self, task: TaskRun) -> None:
        """The task's block begins: it has the console if it is the only task running."""
        with self._lock:
            lane = self._lanes[id(task)] = _Lane()
            if self._holder is None and len(self._lanes) == 1:
                self._holder = lane

    def task_finished(self, task: TaskRun, outcome: str, outputs: dict[str, Any]) -> None:
        """The task's block ends: shown whole unless a task holding the console is mid-block."""
        with self._lock:
            lane = self._lanes.pop(id(task), None)
            if lane is None:
                return
            if lane.pending:
                self._show(lane, lane.pending)
                lane.pending = ""
            self._ended.append(lane)
            if lane is self._holder or self._holder is None:
                self._pass_on()
            self._stream.flush()

    def _pass_on(self) -> None:
        """The console is free: the ended tasks' blocks show, and a task left alone takes it over."""
        self._holder = None
        for ended in self._ended:
            self._write_waiting(ended)
        self._ended.clear()
        self._write_waiting(self._run)
        if len(self._lanes) == 1:  # it shows what it printed so far, then goes on live
            (self._holder,) = self._lanes.values()
            self._write_waiting(self._holder)

    def _write_waiting(self, lane: _Lane) -> None:
        self._stream.write("".join(lane.waiting))
        lane.waiting.clear()

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)
