"""run_locally_in_docker.py as a user runs it: success, and one clear line for each bad input."""

import os
import socket
import subprocess
import sys

import pytest
from run_locally_in_docker import task_environment

from tests.conftest import PIPELINES_DIR
from utils.errors import PipeFictionError


def run_script(*args, **env):
    return subprocess.run(
        [sys.executable, "run_locally_in_docker.py", *args],
        cwd=PIPELINES_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def assert_one_clear_line(proc, message):
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert message in lines[-1], proc.stderr[-1500:]


@pytest.mark.usefixtures("task_image")
def test_script_runs_the_pipeline_in_containers_with_data_env_and_no_network(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    proc = run_script(
        "--num-rows", "80", "--no-network", "--data-dir", str(data), "--env", "A=1",
        PIPE_FICTION_OUTPUTS=str(tmp_path / "out"),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:] + proc.stdout[-2000:]
    assert "Summary metrics:" in proc.stdout
    assert f"Artifacts: {tmp_path / 'out'}" in proc.stdout


def test_no_engine_is_one_line_saying_how_to_start_one():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    proc = run_script(DOCKER_HOST=f"tcp://127.0.0.1:{closed_port}")
    assert_one_clear_line(proc, "no Docker engine answers")
    assert "start Docker" in proc.stderr


@pytest.mark.usefixtures("docker_engine")
def test_missing_image_is_one_line_saying_make_build_image():
    proc = run_script(PIPE_FICTION_IMAGE="pipe-fiction:no-such-tag")
    assert_one_clear_line(proc, "image 'pipe-fiction:no-such-tag' not found: build it with 'make build-image'")


@pytest.mark.usefixtures("task_image")
def test_busy_debug_port_is_one_line_naming_the_port():
    with socket.socket() as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = run_script("--debug", "process-data", "--debug-port", str(port))
    assert_one_clear_line(proc, f"host port {port} is already in use")


def test_task_environment_carries_data_dir_debug_variables_and_pairs():
    env = task_environment(["A=1", "B=x=y"], {"KFP_DEBUG_PORT": "5678"})
    assert env == {"PIPE_FICTION_DATA_DIR": "/data", "KFP_DEBUG_PORT": "5678", "A": "1", "B": "x=y"}
    with pytest.raises(PipeFictionError, match="--env takes KEY=VALUE"):
        task_environment(["oops"], {})
