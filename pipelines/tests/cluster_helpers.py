"""Running the cluster scripts against the loopback servers, in-process or as a user would."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import run_in_k8s_cluster

from utils.errors import PipeFictionError
from utils.settings import PIPELINES_DIR


def submit(monkeypatch, capsys, *args: str, **env: str) -> tuple[int | str, str]:
    """Runs run_in_k8s_cluster.main in this process; returns (exit code or error line, stdout)."""
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    try:
        code: int | str = run_in_k8s_cluster.main(["--poll-interval", "0.05", *args])
    except PipeFictionError as error:
        code = str(error)
    return code, capsys.readouterr().out


def run_script(script: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    """Runs a script as a program (run_cli edge included)."""
    return subprocess.run(
        [sys.executable, script, *args],
        cwd=PIPELINES_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_one_line_error(proc: subprocess.CompletedProcess, message: str) -> None:
    assert proc.returncode == 1, proc.stdout[-1000:] + proc.stderr[-1000:]
    assert "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("ERROR") and message in last, proc.stderr[-1500:]


@pytest.fixture
def kfp_server():
    from tests.fake_kfp_api import FakeKfp

    servers = []

    def start(**kwargs):
        server = FakeKfp(**kwargs)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()
