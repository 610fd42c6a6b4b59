"""The demo's debug session: a breakpoint in DataProcessor.clean, hit from a debugged run."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from utils.debugging.bootstrap import WAITING
from utils.testing.dap_client import DapClient
from utils.testing.debug_session import RunningScript

PIPELINES_DIR = Path(__file__).resolve().parents[1]
CODEBASE = PIPELINES_DIR.parent / "pipe-fiction-codebase"
PROCESSOR = CODEBASE / "pipe_fiction" / "data_processor.py"
# Stop where DataProcessor.clean has found the repeated lines; `frame` is its input.
BREAK_AT_CODE = "out = out.loc[~repeated].reset_index(drop=True)"


def breakpoint_line() -> int:
    """The line of BREAK_AT_CODE in data_processor.py (1-based)."""
    lines = PROCESSOR.read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.strip() == BREAK_AT_CODE)


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
