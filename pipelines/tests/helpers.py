"""Small helpers shared by the test modules: scripts run as a user would, one-line errors, free ports."""

from __future__ import annotations

import os
import subprocess
import sys

from tools.debug_session import free_port  # noqa: F401  (re-exported for the tests)
from utils.settings import PIPELINES_DIR


def run_script(script: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    """Runs a pipelines/ script as a program (its run_cli edge included), with extra env vars."""
    return subprocess.run(
        [sys.executable, script, *args],
        cwd=PIPELINES_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def assert_one_line_error(proc: subprocess.CompletedProcess, message: str) -> None:
    """Exit code 1, no traceback, and the last stderr line is the error naming ``message``."""
    assert proc.returncode == 1, proc.stdout[-1000:] + proc.stderr[-1000:]
    assert "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("ERROR") and message in last, proc.stderr[-1500:]


def assert_usage_error(parse_args, args: list[str], message: str, capsys) -> None:
    """``parse_args(args)`` exits 2 with argparse's one line, which holds ``message``."""
    import pytest

    with pytest.raises(SystemExit) as caught:
        parse_args(args)
    assert caught.value.code == 2
    assert message in capsys.readouterr().err.strip().splitlines()[-1]


def task_outcomes(stdout: str) -> dict[str, str]:
    """The run table a local run prints, as {task: ran/reused/failed}."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:3] == ["task", "outcome", "seconds"])
    rows = [line.split() for line in lines[start + 1 :]]
    return {row[0]: row[1] for row in rows[: next(i for i, r in enumerate(rows) if len(r) != 3)]}


def importable_tree(monkeypatch, root, files: dict[str, str]):
    """Writes ``{relative path: text}`` under ``root`` and puts it on the import path, here and in tasks."""
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    monkeypatch.syspath_prepend(str(root))
    monkeypatch.setenv("PYTHONPATH", str(root))  # for the tasks' own processes
    return root
