"""run_locally_in_docker.py as a user runs it: success, and one clear line for each bad input."""

import signal
import socket
import time

import pytest

from utils.common.errors import PipeFictionError
from utils.kfp_seams.versions import kfp_version
from utils.local.runners import container_environment as task_environment
from utils.tests.helpers import assert_one_line_error, free_port, run_script


@pytest.mark.usefixtures("task_image")
def test_script_runs_the_pipeline_in_containers_with_data_env_and_no_network(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    args = ["--count", "2", "--no-network", "--data-dir", str(data), "--env", "A=1"]
    proc = run_script("run_locally_in_docker.py", *args, PIPE_FICTION_OUTPUTS=str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr[-2000:] + proc.stdout[-2000:]
    assert "Pipeline outputs:" in proc.stdout
    assert f"Run folder: {tmp_path / 'out'}" in proc.stdout


def test_no_engine_is_one_line_saying_how_to_start_one():
    closed_port = free_port()
    proc = run_script("run_locally_in_docker.py", DOCKER_HOST=f"tcp://127.0.0.1:{closed_port}")
    assert_one_line_error(proc, "no Docker engine answers")
    assert "start Docker" in proc.stderr


@pytest.mark.usefixtures("docker_engine")
def test_missing_image_is_one_line_saying_make_build_image():
    proc = run_script("run_locally_in_docker.py", PIPE_FICTION_IMAGE="pipe-fiction:no-such-tag")
    assert_one_line_error(proc, "image 'pipe-fiction:no-such-tag' not found: build it with 'make build-image'")


@pytest.mark.usefixtures("task_image")
def test_busy_debug_port_is_one_line_naming_the_port():
    with socket.socket() as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = run_script("run_locally_in_docker.py", "--debug", "make-words", "--debug-port", str(port))
    assert_one_line_error(proc, f"host port {port} is already in use")


def test_task_environment_carries_data_dir_debug_variables_and_pairs():
    env = task_environment(["A=1", "B=x=y"], {"KFP_DEBUG_PORT": "5678"})
    # A debugged task listens on the container's interface; the host publishes it on loopback.
    expected = {"PIPE_FICTION_DATA_DIR": "/data", "KFP_DEBUG_PORT": "5678", "KFP_DEBUG_HOST": "0.0.0.0"}
    assert env == {**expected, "A": "1", "B": "x=y"}
    assert "KFP_DEBUG_HOST" not in task_environment([], {})
    with pytest.raises(PipeFictionError, match="--env takes KEY=VALUE"):
        task_environment(["oops"], {})


@pytest.mark.skipif(kfp_version() < (2, 17), reason="tasks run at once from kfp 2.17")
@pytest.mark.usefixtures("task_image")
def test_a_stopped_parallel_docker_run_removes_every_task_container(tmp_path):
    import docker

    from utils.testing.debug_session import RunningScript

    client = docker.from_env()
    before = {c.id for c in client.containers.list(all=True)}
    script = RunningScript(
        ["run_locally_in_docker.py", "--no-cache", "--max-parallel", "2"],
        env={
            "PIPE_FICTION_PIPELINE": "utils.tests.fixtures.parallel_pipeline:long_waits",
            "PIPE_FICTION_OUTPUTS": str(tmp_path),
        },
    )
    try:
        script.wait_for("waiting 60.0 s", 180)
        deadline, ours = time.monotonic() + 60, set()
        while time.monotonic() < deadline and len(ours) < 2:  # both tasks' containers under way
            time.sleep(0.2)
            ours = {c.id for c in client.containers.list()} - before
        assert len(ours) == 2, script.output()[-2000:]
        script.proc.send_signal(signal.SIGINT)
        assert script.finish(60) == 130
    finally:
        script.stop()
    assert ours.isdisjoint(c.id for c in client.containers.list(all=True))
