"""Drives a run script as a user would: its output line by line, and a debug session attached to it.

Shared by the tests and ``make bench`` (time to the debugger's first stop).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from utils.common.paths import PIPELINES_DIR
from utils.debugging.bootstrap import WAITING
from utils.testing.dap_client import DapClient


def free_port() -> int:
    """A loopback TCP port nothing listens on (closed again, so a test or a script can take it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
        """Stops the script as a user's tools would, then kills whatever of its process group is left.

        SIGTERM first: the script then removes its task containers, which SIGKILL would leave.
        """
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


def seconds_to_first_stop(script: str, task: str, port: int, timeout: float = 180, **env: str | None) -> float:
    """Seconds from starting ``script --debug task`` to a DAP client's stop at the task's first line.

    The session VS Code has: attach, stop at the top of the component body, continue to the end.

    Raises:
        AssertionError: If the task never waits, nobody can attach, or the run then fails.
    """
    run = RunningScript([script, "--debug", task, "--debug-port", str(port)], env=env)
    try:
        run.wait_for(WAITING, timeout)
        client = DapClient("127.0.0.1", port)
        try:
            client.attach({})
            stop = client.event("stopped", timeout)
            seconds = time.monotonic() - run.started
            client.request("continue", threadId=stop["threadId"])
        finally:
            client.close()
        code = run.finish(timeout)
    finally:
        run.stop()
    if code != 0:
        raise AssertionError(f"the debugged run failed ({code}):\n{run.output()[-2000:]}")
    return seconds


def make_debug_stop(
    folder: Path,
    make_args: list[str],
    env: dict[str, str],
    port: int,
    breakpoint_at: tuple[Path, int],
    path_mappings: list[dict[str, str]] | None = None,
    inspect: Callable[[DapClient, dict[str, Any]], None] | None = None,
) -> tuple[str, dict[str, Any]]:
    """Runs a ``make debug-*`` target in ``folder`` and stops at a breakpoint through a DAP client, as VS Code would.

    Attaches when the task says it waits, continues from the stop at the component body's top to
    the breakpoint, calls ``inspect(client, frame)`` there, and lets the run finish.

    Returns:
        What make printed before the task waited, and the stack frame stopped at the breakpoint.

    Raises:
        AssertionError: If the task never waits, the stop is elsewhere, or make then fails.
    """
    proc = subprocess.Popen(
        ["make", "--no-print-directory", *make_args, f"PORT={port}", "TIMEOUT=300"],
        cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    seen: list[str] = []
    try:
        for output in proc.stdout:
            seen.append(output)
            if WAITING in output:
                break
        if not any(WAITING in line for line in seen):
            raise AssertionError("".join(seen)[-3000:])
        client = DapClient("127.0.0.1", port)
        try:
            client.attach({str(breakpoint_at[0]): [breakpoint_at[1]]}, path_mappings)
            entry = client.event("stopped", 120)
            client.request("continue", threadId=entry["threadId"])
            stop = client.event("stopped", 300)
            frame = client.top_frame(stop["threadId"])
            if inspect is not None:
                inspect(client, frame)
            client.request("continue", threadId=stop["threadId"])
        finally:
            client.close()
        rest = proc.communicate(timeout=300)[0]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
    if proc.returncode != 0:
        raise AssertionError(f"make {' '.join(make_args)} failed:\n{rest[-3000:]}")
    return "".join(seen), frame
