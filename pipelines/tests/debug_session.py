"""Drives a real debug session: a run script with --debug, a DAP client attached, a breakpoint hit.

Shared by the debugging tests and ``make bench`` (time to breakpoint).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.dap_client import DapClient
from utils.debug_bootstrap import WAITING

PIPELINES_DIR = Path(__file__).resolve().parent.parent
CODEBASE = PIPELINES_DIR.parent / "pipe-fiction-codebase"
PROCESSOR = CODEBASE / "pipe_fiction" / "data_processor.py"
# Stop where DataProcessor.clean has found the repeated lines; `frame` is its input.
BREAK_AT_CODE = "out = out.loc[~repeated].reset_index(drop=True)"


def breakpoint_line() -> int:
    """The line of BREAK_AT_CODE in data_processor.py (1-based)."""
    lines = PROCESSOR.read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.strip() == BREAK_AT_CODE)


class RunningScript:
    """A run script in a subprocess, its output collected line by line."""

    def __init__(self, args: list[str], env: dict[str, str | None] | None = None) -> None:
        """Starts ``args`` with this Python; ``env`` adds variables (a None value unsets one)."""
        self.started = time.monotonic()
        merged = {**os.environ, **(env or {})}
        self.proc = subprocess.Popen(
            [sys.executable, *args],
            cwd=PIPELINES_DIR,
            env={k: v for k, v in merged.items() if v is not None},
            start_new_session=True,  # stop() ends the task processes too
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._changed = threading.Condition()
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self) -> None:
        for line in self.proc.stdout:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()

    def wait_for(self, text: str, timeout: float) -> str:
        """Waits until a line containing ``text`` is printed; returns it."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = next((line for line in self.lines if text in line), None)
                if found or self.proc.poll() is not None or time.monotonic() > deadline:
                    break
                self._changed.wait(0.2)
        if found is None:
            raise AssertionError(f"no line with {text!r} within {timeout} s; output:\n{self.output()[-3000:]}")
        return found

    def finish(self, timeout: float) -> int:
        """Waits for the script to exit (killing it after ``timeout``) and returns its exit code."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise
        finally:
            time.sleep(0.1)  # let the collector take the last lines

    def stop(self) -> None:
        """Stops the script as a user's tools would (SIGTERM: it removes its containers), then
        kills whatever of its process group is left."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(30)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)

    def output(self) -> str:
        """Everything printed so far."""
        return "".join(self.lines)


@dataclass
class DebugObservation:
    """What a debug session saw, for the caller to assert on."""

    entry_frame: dict[str, Any]
    breakpoint_frame: dict[str, Any]
    local_names: set[str]
    rows_seen: str
    seconds_to_breakpoint: float
    exit_code: int
    output: str
    extra: dict[str, Any] = field(default_factory=dict)


def debug_processor_run(
    script: str, port: int, num_rows: int, path_mappings: list[dict[str, str]] | None = None, timeout: float = 180
) -> DebugObservation:
    """Runs ``script --debug process-data``, attaches, breaks in DataProcessor.clean, reads, continues."""
    line = breakpoint_line()
    run = RunningScript([script, "--num-rows", str(num_rows), "--debug", "process-data", "--debug-port", str(port)])
    try:
        run.wait_for(WAITING, timeout)
        client = DapClient("127.0.0.1", port)
        try:
            client.attach({str(PROCESSOR): [line]}, path_mappings)
            entry = client.event("stopped", timeout)
            entry_frame = client.top_frame(entry["threadId"])
            client.request("continue", threadId=entry["threadId"])
            stop = client.event("stopped", timeout)
            seconds = time.monotonic() - run.started
            frame = client.top_frame(stop["threadId"])
            names = set(client.locals(frame["id"]))
            rows = client.evaluate("len(frame)", frame["id"])
            client.request("continue", threadId=stop["threadId"])
        finally:
            client.close()
        code = run.finish(timeout)
    finally:
        if run.proc.poll() is None:
            run.stop()
    return DebugObservation(entry_frame, frame, names, rows, seconds, code, run.output())
