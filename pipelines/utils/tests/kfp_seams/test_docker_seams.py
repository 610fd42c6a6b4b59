"""The compatibility layer's version gates, idempotence and canaries (no Docker engine needed).

A canary fails once the installed kfp no longer has the bug its fix is for: then set the fix's
upper bound in ``utils.kfp_seams.docker.FIXES`` to that version, and the fix retires itself.
"""

import inspect
import os

import pytest
from kfp import local
from kfp.local import docker_task_handler

from utils.docker import runner as compat
from utils.kfp_seams import docker as fixes

pytestmark = pytest.mark.docker


def test_patches_are_applied_once_and_only_for_this_kfp():
    fixes.apply_patches()
    run_method = docker_task_handler.DockerTaskHandler.run
    container_function = docker_task_handler.run_docker_container
    fixes.apply_patches()
    assert docker_task_handler.DockerTaskHandler.run is run_method
    assert docker_task_handler.run_docker_container is container_function is fixes.run_docker_container
    assert (run_method is fixes._run_with_runner_args) == fixes.needs("runner_args")


def test_fix_bounds_cover_every_version_from_2_7():
    assert fixes.needs("runner_args", (2, 7)) and not fixes.needs("runner_args", (2, 14))
    assert fixes.needs("leftover_containers", (2, 15)) and not fixes.needs("leftover_containers", (2, 16))
    assert fixes.needs("exit_status", (2, 17)) and not fixes.needs("exit_status", (2, 15))


def kfp_original(name):
    fixes.apply_patches()
    return fixes._ORIGINAL.get(name) or getattr(docker_task_handler, name)


@pytest.mark.skipif(not fixes.needs("runner_args"), reason="kfp >= 2.14 passes docker-run arguments itself")
def test_canary_runner_args_kfp_still_ignores_the_runners_arguments():
    parameters = inspect.signature(kfp_original("run_docker_container")).parameters.values()
    assert all(p.kind is not p.VAR_KEYWORD for p in parameters)


@pytest.mark.skipif(not fixes.needs("image_name"), reason="kfp >= 2.14 parses the image name")
def test_canary_image_name_kfp_still_splits_the_name_on_colons():
    assert "image.split(':')" in inspect.getsource(kfp_original("run_docker_container"))


@pytest.mark.skipif(not fixes.needs("leftover_containers"), reason="only kfp 2.14-2.15 leaves containers")
def test_canary_leftover_containers_kfp_still_never_removes_them():
    assert "remove" not in inspect.getsource(kfp_original("run_docker_container"))


@pytest.mark.skipif(not fixes.needs("exit_status"), reason="kfp < 2.16 does not auto-remove")
def test_canary_exit_status_kfp_still_auto_removes_before_reading_the_status():
    # kubeflow/pipelines#13332: once kfp stops hard-coding auto_remove=True, retire the fix.
    assert "auto_remove=True" in inspect.getsource(kfp_original("run_docker_container"))


def test_runner_carries_the_arguments_on_every_version(tmp_path):
    runner = compat.docker_runner(ports={"5678/tcp": 5678}, environment=["A=1", "B"], network_mode="none")
    assert isinstance(runner, local.DockerRunner)
    args = runner.container_run_args
    assert args["ports"] == {"5678/tcp": ("127.0.0.1", 5678)}  # loopback unless an address is given
    assert args["environment"] == {"A": "1", "B": ""}
    assert args["network_mode"] == "none"
    assert args["user"] == f"{os.getuid()}:{os.getgid()}"  # outputs in the bind mount stay the user's


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
