"""The DockerRunner compatibility layer against the real Docker engine and the task image."""

import socket
import threading
import time
import uuid

import pytest
from kfp import dsl

from utils.common.errors import DockerError, PortInUseError, TaskFailedError
from utils.docker.runner import docker_runner
from utils.image.task_image import task_image
from utils.kfp_seams.versions import kfp_version
from utils.local.run import init_local, run_pipeline
from utils.tests.helpers import free_port

IMAGE = task_image()
pytestmark = pytest.mark.usefixtures("task_image")


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def read_env(names: list) -> dict:
    import os

    return {name: os.environ.get(name, "<unset>") for name in names}


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def answer_once(port: int) -> str:
    import socket

    with socket.create_server(("0.0.0.0", port)) as server:
        server.settimeout(120)
        conn, _ = server.accept()
        with conn:
            data = conn.recv(64)
            conn.sendall(b"pong:" + data)
    return data.decode()


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def read_mounted(path: str) -> dict:
    import os

    try:
        open(os.path.join(os.path.dirname(path), "written-by-task"), "w").close()
        writable = True
    except OSError:
        writable = False
    with open(path) as f:
        return {"content": f.read(), "writable": writable, "interfaces": sorted(os.listdir("/sys/class/net"))}


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def fail_fast():
    raise SystemExit(3)


@dsl.container_component
def fail_after_logging():
    # A failing container whose log outlasts it: with kfp 2.16-2.17's auto_remove the daemon
    # removes it while the log still streams, and unpatched kfp then reports SUCCESS.
    return dsl.ContainerSpec(image=IMAGE, command=["sh", "-c", "head -c 3000000 /dev/zero | tr '\\0' x | fold; exit 3"])


def init(tmp_path, **runner_args):
    init_local(docker_runner(**runner_args), tmp_path / "outputs")


def test_environment_set_through_the_runner_is_visible_in_the_task(tmp_path):
    wanted = {"PIPE_FICTION_TEST": "hello", "KFP_DEBUG": "true"}
    init(tmp_path, environment=wanted)
    assert read_env(names=list(wanted)).output == wanted


@pytest.mark.skipif(kfp_version() < (2, 17), reason="kfp.local applies set_env_variable from kfp 2.17")
def test_runner_environment_wins_over_set_env_variable_and_both_are_kept(tmp_path):
    @dsl.pipeline
    def env_pipeline() -> dict:
        task = read_env(names=["SHARED", "TASK_ONLY", "RUNNER_ONLY"])
        task.set_env_variable("SHARED", "from-task").set_env_variable("TASK_ONLY", "t")
        return task.output

    init(tmp_path, environment={"SHARED": "from-runner", "RUNNER_ONLY": "r"})
    assert env_pipeline().output == {"SHARED": "from-runner", "TASK_ONLY": "t", "RUNNER_ONLY": "r"}


def test_port_set_through_the_runner_is_published(tmp_path):
    host_port = free_port()
    init(tmp_path, ports={"5678/tcp": host_port})
    result = {}
    task = threading.Thread(target=lambda: result.update(answer=answer_once(port=5678).output), daemon=True)
    task.start()
    reply, deadline = b"", time.monotonic() + 90
    while reply != b"pong:ping" and time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", host_port), timeout=2) as conn:
                conn.sendall(b"ping")
                reply = conn.recv(64)
        except OSError:
            pass
        if reply != b"pong:ping":
            time.sleep(0.3)
    task.join(timeout=60)
    assert reply == b"pong:ping"
    assert result["answer"] == "ping"


def test_mounted_host_folder_is_readable_and_read_only(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "hello.txt").write_text("from the host")
    init(tmp_path, volumes={str(data): {"bind": "/data", "mode": "ro"}}, network_mode="none")
    seen = read_mounted(path="/data/hello.txt").output
    assert seen == {"content": "from the host", "writable": False, "interfaces": ["lo"]}
    assert not (data / "written-by-task").exists()


def test_volumes_in_list_form_mount_read_write(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "hello.txt").write_text("rw")
    init(tmp_path, volumes=[f"{data}:/data"])
    assert read_mounted(path="/data/hello.txt").output["writable"] is True
    assert (data / "written-by-task").exists()


def test_missing_volume_source_is_refused_with_its_path(tmp_path):
    with pytest.raises(DockerError, match="does-not-exist' does not exist"):
        docker_runner(volumes={str(tmp_path / "does-not-exist"): {"bind": "/data", "mode": "ro"}})


def test_failing_task_is_reported_failed_every_time(tmp_path):
    init(tmp_path)
    statuses = []
    for _ in range(10):
        try:
            fail_after_logging()
            statuses.append("SUCCESS")
        except RuntimeError as error:
            assert "fail-after-logging" in str(error)
            statuses.append("FAILURE")
    assert statuses == ["FAILURE"] * 10


def test_failing_python_task_is_reported_failed(tmp_path):
    init(tmp_path)
    with pytest.raises(RuntimeError, match="fail-fast"):
        fail_fast()


def test_failing_task_in_a_pipeline_names_the_task(tmp_path):
    @dsl.pipeline
    def failing_pipeline() -> dict:
        fail_fast()
        return read_env(names=["X"]).output

    with pytest.raises(TaskFailedError, match="fail-fast"):
        run_pipeline(failing_pipeline, runner=docker_runner(), pipeline_root=tmp_path, arguments={})


def _containers(client, label):
    return client.containers.list(all=True, filters={"label": f"pipe-fiction-test={label}"})


def test_exited_containers_are_removed_and_auto_remove_false_keeps_them(tmp_path, docker_engine):
    label = uuid.uuid4().hex
    init(tmp_path, labels={"pipe-fiction-test": label})
    read_env(names=["X"])
    with pytest.raises(RuntimeError):
        fail_fast()
    assert _containers(docker_engine, label) == []
    init(tmp_path, labels={"pipe-fiction-test": label}, auto_remove=False)
    try:
        read_env(names=["X"])
        kept = _containers(docker_engine, label)
        assert [c.status for c in kept] == ["exited"]
    finally:
        for container in _containers(docker_engine, label):
            container.remove(force=True)


def test_image_name_with_a_registry_port_and_no_tag_runs(tmp_path, docker_engine):
    name = f"localhost:5000/pipe-fiction-test-{uuid.uuid4().hex[:8]}"
    docker_engine.images.get(IMAGE).tag(name, "latest")
    try:

        @dsl.component(base_image=name, install_kfp_package=False)
        def hello() -> str:
            return "hi"

        init(tmp_path)
        assert hello().output == "hi"
    finally:
        docker_engine.images.remove(f"{name}:latest")


def test_unpullable_image_gives_a_clear_error(tmp_path):
    @dsl.component(base_image="127.0.0.1:5999/nothing/here:1.0", install_kfp_package=False)
    def nowhere() -> str:
        return "never"

    init(tmp_path)
    with pytest.raises(DockerError, match=r"cannot be pulled .*make build-image"):
        nowhere()


def test_busy_host_port_is_named_when_the_container_starts(tmp_path, docker_engine):
    with socket.socket() as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        port = busy.getsockname()[1]
        init(tmp_path, ports={"5678/tcp": port})
        with pytest.raises(PortInUseError, match=f"host port {port} is already in use"):
            read_env(names=["X"])


def test_the_image_runs_as_an_unprivileged_user_by_default(docker_engine):
    out = docker_engine.containers.run(IMAGE, ["sh", "-c", "id -u; id -g; echo $HOME"], remove=True)
    uid, gid, home = out.decode().split()
    assert uid != "0" and gid != "0" and home == "/home/app"


def test_a_task_run_as_another_user_writes_outputs_that_user_owns(tmp_path, docker_engine):
    root = tmp_path / "outputs"
    root.mkdir(mode=0o777)
    root.chmod(0o777)  # a folder the host user 4321 could write to

    @dsl.pipeline
    def one_task() -> dict:
        return read_env(names=["HOME"]).output

    result = run_pipeline(one_task, runner=docker_runner(user="4321:4321"), pipeline_root=root, arguments={})
    assert result.outputs["Output"] == {"HOME": "/home/app"}
    # What the task wrote; the run page and run.json beside its folder are the host's.
    written = [p for p in result.run_dir.glob("*/**/*") if p.is_file()]
    assert written and {(p.stat().st_uid, p.stat().st_gid) for p in written} == {(4321, 4321)}
