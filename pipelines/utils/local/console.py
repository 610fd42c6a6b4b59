"""What a local run prints: every line flushed as it comes, kfp's per-task noise hidden unless asked.

kfp relays each task's output line by line through ``print`` in this process. Two things get in
a user's way there: without ``PYTHONUNBUFFERED`` a pipe holds those lines until the run ends
(so a tool waiting for "is waiting for a debugger" never sees it), and kfp's executor logs about
30 lines of executor-input JSON per task before the task's own output, and lines of its own steps
(loading the component, writing its output file, resolving an input) around it. :class:`TaskOutputFilter`,
put in place of ``sys.stdout`` for a run (:func:`utils.kfp_seams.output.routed`), fixes both;
``--verbose`` keeps kfp's lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TextIO

# kfp's executor (kfp.dsl.executor_main) logs its own steps in the task, before and after the
# component runs; kfp.local's orchestrator logs how it resolves each input from its parent.
_EXECUTOR_LINE = re.compile(r"^\s*\[KFP Executor [^\]]*\]: ")
_DUMP_START = re.compile(r"^\s*\[KFP Executor [^\]]*\]: Got executor_input:\s*$")
_ORCHESTRATOR_CHATTER = re.compile(r"^\s*[\d:.]+ - INFO - (Applying|After) expression selector")


class TaskOutputFilter:
    """A text stream that passes whole lines on at once and drops kfp's executor-input dump."""

    def __init__(self, stream: TextIO, verbose: bool = False, tee: Callable[[str], None] | None = None) -> None:
        self._stream, self._verbose, self._tee = stream, verbose, tee
        self._pending = ""
        self._dump_end: str | None = None  # while inside the JSON dump: its closing line
        self._in_dump = False

    def write(self, text: str) -> int:
        """Buffers ``text`` and writes every completed line that is not kfp noise."""
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            if self._verbose or not self._noise(line):
                self._stream.write(line + "\n")
                if self._tee is not None:
                    self._tee(line + "\n")
        if lines:
            self._stream.flush()
        return len(text)

    def _noise(self, line: str) -> bool:
        if self._in_dump:
            if self._dump_end is None:
                # The dump's first line is "{"; it ends at the "}" with the same indentation.
                self._dump_end = line.rstrip().removesuffix("{") + "}"
            elif line.rstrip() == self._dump_end:
                self._in_dump, self._dump_end = False, None
            return True
        if _DUMP_START.match(line):
            self._in_dump = True
            return True
        return bool(_EXECUTOR_LINE.match(line) or _ORCHESTRATOR_CHATTER.match(line))

    def flush(self) -> None:
        """Writes out a partial line too (a prompt, a progress bar), then flushes."""
        if self._pending and not self._in_dump:
            self._stream.write(self._pending)
            self._pending = ""
        self._stream.flush()

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)
