"""Stopping a run on SIGTERM or SIGHUP as on Ctrl-C: its tasks end, its containers go.

``kill``, ``timeout``, VS Code stopping a task and a cancelled CI job send SIGTERM, a closed
terminal SIGHUP. Python's default is to die at once, leaving task subprocesses and containers
running. :func:`stop_on_signals` turns both into :class:`Stopped` (a ``KeyboardInterrupt``, so
every cleanup that Ctrl-C runs also runs), after ending this process's task subprocesses:
they, unlike on Ctrl-C in a terminal, did not get the signal.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path
from types import FrameType


class Stopped(KeyboardInterrupt):
    """The run was stopped by a signal; ``exit_code`` is 128 + its number."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.exit_code = 128 + signum


def stop_on_signals() -> None:
    """Makes SIGTERM and SIGHUP stop the run like Ctrl-C (call once, from the main thread)."""
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _stop)


def _stop(signum: int, frame: FrameType | None) -> None:
    # Once is enough: a second signal during the cleanup must not interrupt it.
    for other in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(other, signal.SIG_IGN)
    end_descendants()
    raise Stopped(signum)


def end_descendants() -> None:
    """Sends SIGTERM to every process below this one (task subprocesses and their children)."""
    for pid in descendants(os.getpid()):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)


def descendants(pid: int) -> list[int]:
    """The processes below ``pid``, children first (from /proc, else from ``pgrep -P``)."""
    found, queue = [], [pid]
    while queue:
        children = _children(queue.pop(0))
        found.extend(children)
        queue.extend(children)
    return found


def _children(pid: int) -> list[int]:
    proc = Path("/proc")
    if not proc.is_dir():  # macOS and the BSDs
        done = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
        return [int(line) for line in done.stdout.split()]
    children = []
    for stat in proc.glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            # The command name (field 2) may hold spaces and parentheses: split after its ")".
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(stat.parent.name))
    return children
