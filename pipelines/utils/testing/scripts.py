"""Running the run scripts as a user would, and reading what they print: for tests and the bench."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

from utils.common.paths import PIPELINES_DIR


def run_script(script: str, *args: str, timeout: float = 300, **env: str) -> subprocess.CompletedProcess:
    """Runs a ``pipelines/`` script as a program (its error edge included), with extra variables.

    Args:
        script: The script, relative to ``pipelines/`` (``run_locally_in_subproc.py``).
        *args: Its arguments.
        timeout: Seconds before it is killed.
        **env: Variables set for it (and so for its tasks).
    """
    return subprocess.run(
        [sys.executable, script, *args],
        cwd=PIPELINES_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_one_line_error(proc: subprocess.CompletedProcess, message: str) -> None:
    """Exit code 1, no traceback, and the last stderr line is the error naming ``message``."""
    assert proc.returncode == 1, proc.stdout[-1000:] + proc.stderr[-1000:]
    assert "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("ERROR") and message in last, proc.stderr[-1500:]


def assert_usage_error(parse_args: Callable[[list[str]], object], args: list[str], message: str, capsys) -> None:
    """``parse_args(args)`` exits 2 with argparse's one line, which holds ``message``."""
    import pytest

    with pytest.raises(SystemExit) as caught:
        parse_args(args)
    assert caught.value.code == 2
    assert message in capsys.readouterr().err.strip().splitlines()[-1]


def task_outcomes(stdout: str) -> dict[str, str]:
    """The run table a local run prints, as ``{task: ran/reused/failed}``."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:2] == ["task", "outcome"])
    rows = [line.split() for line in lines[start + 1 :]]
    found = {}
    for row in rows:
        if len(row) < 3 or row[1] not in ("ran", "reused", "failed"):
            break
        found[row[0]] = row[1]
    return found
