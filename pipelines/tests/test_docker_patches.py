"""The compatibility layer's version gates and idempotence (no Docker engine needed)."""

from kfp import local
from kfp.local import docker_task_handler

from utils import docker_runner as compat
from utils.docker_containers import run_container


def test_patches_are_applied_once_and_only_for_this_kfp():
    compat.apply_patches()
    run_method = docker_task_handler.DockerTaskHandler.run
    compat.apply_patches()
    assert docker_task_handler.DockerTaskHandler.run is run_method
    assert docker_task_handler.run_docker_container is run_container
    passing_args = run_method is compat._run_passing_runner_args
    assert passing_args == (compat.kfp_version() < compat.NATIVE_RUN_ARGS_SINCE)


def test_runner_carries_the_arguments_on_every_version(tmp_path):
    runner = compat.docker_runner(ports={"5678/tcp": 5678}, environment=["A=1", "B"], network_mode="none")
    assert isinstance(runner, local.DockerRunner)
    args = runner.container_run_args
    assert args["ports"] == {"5678/tcp": ("127.0.0.1", 5678)}  # loopback unless an address is given
    assert args["environment"] == {"A": "1", "B": ""}
    assert args["network_mode"] == "none"


def test_ports_are_published_on_loopback_unless_the_binding_names_an_address():
    ports = {"1/tcp": 1, "2/tcp": None, "3/tcp": ("0.0.0.0", 3), "4/tcp": [4, ("::1", 5)], "6/tcp": ("10.0.0.1",)}
    assert compat.loopback_ports(ports) == {
        "1/tcp": ("127.0.0.1", 1),
        "2/tcp": ("127.0.0.1",),
        "3/tcp": ("0.0.0.0", 3),
        "4/tcp": [("127.0.0.1", 4), ("::1", 5)],
        "6/tcp": ("10.0.0.1",),
    }


def test_volumes_become_bind_mounts(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    mounts = compat.to_mounts({str(tmp_path / "a"): {"bind": "/a", "mode": "ro,z"}, str(tmp_path / "b"): "/b"})
    assert [(m["Source"], m["Target"], m["Type"], m["ReadOnly"]) for m in mounts] == [
        (str(tmp_path / "a"), "/a", "bind", True),
        (str(tmp_path / "b"), "/b", "bind", False),
    ]
    runner = compat.docker_runner(volumes=[f"{tmp_path / 'a'}:/a:ro"])
    assert "volumes" not in runner.container_run_args
    assert runner.container_run_args["mounts"][0]["Target"] == "/a"
