"""Where kfp.local's task output goes: it relays every task's lines with ``print`` in this process.

kfp's subprocess and Docker handlers read a task's output and ``print`` it, so the only place to
see (and filter, and record) that output is ``sys.stdout`` while a run is under way. kfp also warns
about task settings that mean nothing locally; those warnings are expected here and silenced for
the run (and only for it).

Two of kfp's output helpers change the whole process for the length of a block and put back what
they found at its end: ``indented_print`` swaps ``builtins.print`` while a task runs, and
``local_logger_context`` sets the root logger's handler and level. When two tasks run at once
(kfp's own loop iterations, or this run's independent tasks) the blocks overlap and the first to
end puts back the state from before the other began: every later line is indented, or the other
task's last lines (its status, its outputs) are lost. :func:`thread_safe_output` keeps the
indentation per thread and sets the logger up once for as long as any block is open.
"""

from __future__ import annotations

import contextlib
import threading
import warnings
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from utils.kfp_seams.seam import Seam

STDOUT = Seam(
    "sys",
    "stdout",
    since=(2, 7),
    until=None,
    parameters=(),
    why="kfp prints each task's output line by line in this process",
)
INDENT = Seam(
    "kfp.local.logging_utils",
    "indented_print",
    since=(2, 7),
    until=None,
    parameters=("num_spaces",),
    why="indents a task's output by swapping print for the whole process: two tasks at once leave it swapped",
)
PRINT = Seam(
    "builtins",
    "print",
    since=(2, 7),
    until=None,
    parameters=("file", "end"),
    why="indents what a thread prints while kfp's indented_print is open in it",
)
LOGGER = Seam(
    "kfp.local.logging_utils",
    "local_logger_context",
    since=(2, 7),
    until=None,
    parameters=(),
    why="sets the root logger up for a block and puts back what it found: overlapping blocks lose lines",
)
SEAMS = (STDOUT, INDENT, PRINT, LOGGER)
_indent = threading.local()
# Expected here, so not worth a warning on every task: display names only show in the cluster
# UI (kfp >= 2.17 says so per task), and the subprocess runner uses this venv, not the image.
QUIET_WARNINGS = (
    r".*settings \['display_name'\] have no effect",
    r".*uses custom or non-Python base image",
)


@contextlib.contextmanager
def routed(make_stream: Callable[[TextIO], Any]) -> Iterator[None]:
    """Sends what is printed during the block through ``make_stream(the real stdout)``, flushed at the end."""
    with STDOUT.replaced(make_stream):
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                STDOUT.current().flush()


@contextlib.contextmanager
def quiet_kfp_warnings() -> Iterator[None]:
    """Silences the warnings kfp.local gives for settings that apply only in a cluster, for the block."""
    with warnings.catch_warnings():
        for message in QUIET_WARNINGS:
            warnings.filterwarnings("ignore", message=message)
        yield


@contextlib.contextmanager
def thread_safe_output() -> Iterator[None]:
    """Makes kfp's ``indented_print`` and ``local_logger_context`` safe for tasks in several threads, for the block."""
    with (
        INDENT.replaced(lambda original: _indented_print),
        PRINT.replaced(_indenting),
        LOGGER.replaced(_SharedLoggerContext),
    ):
        yield


class _SharedLoggerContext:
    """kfp's ``local_logger_context``, entered by the first block open and left by the last to close."""

    def __init__(self, original: Callable[[], contextlib.AbstractContextManager[None]]) -> None:
        self._original = original
        self._lock = threading.Lock()
        self._open = 0
        self._active: contextlib.AbstractContextManager[None] | None = None

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if not self._open:
                self._active = self._original()
                self._active.__enter__()
            self._open += 1
        try:
            yield
        finally:
            with self._lock:
                self._open -= 1
                if not self._open and self._active is not None:
                    active, self._active = self._active, None
                    active.__exit__(None, None, None)


@contextlib.contextmanager
def _indented_print(num_spaces: int = 4) -> Iterator[None]:
    before = getattr(_indent, "spaces", 0)
    _indent.spaces = before + num_spaces
    try:
        yield
    finally:
        _indent.spaces = before


def _indenting(original: Callable[..., None]) -> Callable[..., None]:
    def print(*args: Any, **kwargs: Any) -> None:
        spaces = getattr(_indent, "spaces", 0)
        if spaces:
            original(" " * spaces, end="", file=kwargs.get("file"))
        original(*args, **kwargs)

    return print
