"""Looking at a script's processes from a test: their command lines, whether one is alive, a stop that leaves none."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from utils.common.signals import descendants


def command_line(pid: int) -> str:
    """The process's command line, its arguments joined by spaces ("" once it is gone)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def alive(pid: int) -> bool:
    """Whether the process still runs (a zombie does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def assert_ctrl_c_leaves_no_process(script) -> None:
    """Sends the script SIGINT (Ctrl-C); it must exit 130, and every process below it end within 10 s."""
    below = descendants(script.proc.pid)
    try:
        script.proc.send_signal(signal.SIGINT)
        assert script.finish(30) == 130
    finally:
        script.stop()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(alive(pid) for pid in below):
        time.sleep(0.1)
    assert not [pid for pid in below if alive(pid)]
