"""A debugger is remote code execution: every debug listener stays on loopback unless asked."""

import pytest

from utils.debugging.bootstrap import WAITING
from utils.testing.debug_session import RunningScript
from utils.tests.helpers import free_port, run_script

FIRST_TASK = "make-words"  # of tests/fixtures/pipelines.py, which the scripts run here


def listening_addresses(port):
    """The local addresses listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, hex_port = local.split(":")
                if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                    found.add(address)
    return found


def waiting_run(script, port, *extra):
    run = RunningScript([script, "--debug", FIRST_TASK, "--debug-port", str(port), "--debug-timeout", "60", *extra])
    run.wait_for(WAITING, 120)
    return run


@pytest.mark.parametrize("debugger", ["debugpy", "remote-pdb"])
def test_a_subprocess_task_listens_on_loopback_only(debugger):
    port = free_port()
    run = waiting_run("run_locally_in_subproc.py", port, "--debugger", debugger)
    try:
        assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1, and nothing else
    finally:
        run.stop()


@pytest.mark.usefixtures("task_image")
def test_a_docker_task_is_published_on_the_hosts_loopback_only(docker_engine):
    port = free_port()
    run = waiting_run("run_locally_in_docker.py", port)
    try:
        (container,) = [c for c in docker_engine.containers.list() if f"{port}/tcp" in c.ports]
        assert container.ports[f"{port}/tcp"] == [{"HostIp": "127.0.0.1", "HostPort": str(port)}]
    finally:
        run.stop()


def test_publishing_the_debugger_wider_needs_the_option_and_warns():
    proc = run_script(
        "run_locally_in_docker.py", "--debug", FIRST_TASK, "--debug-publish-address", "0.0.0.0",
        DOCKER_HOST=f"tcp://127.0.0.1:{free_port()}",
    )  # fmt: skip
    assert "the debugger is published on 0.0.0.0: anyone who can reach it can run code" in proc.stderr
    assert proc.returncode == 1  # then: no engine answers (the run itself never starts here)
