"""Running the cluster script in-process against the loopback KFP server."""

from __future__ import annotations

import pytest

import run_in_k8s_cluster
from utils.common.errors import PipeFictionError


def submit(monkeypatch, capsys, *args: str, **env: str) -> tuple[int | str, str]:
    """Runs run_in_k8s_cluster.main in this process; returns (exit code or error line, stdout)."""
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    try:
        code: int | str = run_in_k8s_cluster.main(["--poll-interval", "0.05", *args])
    except PipeFictionError as error:
        code = str(error)
    return code, capsys.readouterr().out


@pytest.fixture
def kfp_server():
    from utils.testing.fakes.kfp_api import FakeKfp

    servers = []

    def start(**kwargs):
        server = FakeKfp(**kwargs)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()
