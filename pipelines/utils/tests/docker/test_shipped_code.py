"""A task runs the code it carries, in the dependency image, on every kfp from 2.7 (no kfp feature needed)."""

import pytest
from kfp import dsl

from utils.docker.runner import docker_runner
from utils.image.task_image import run_image
from utils.local.run import run_pipeline
from utils.task_code.ship import Shipping, ship
from utils.tests.helpers import importable_tree


@pytest.fixture
def codebase(tmp_path, monkeypatch):
    """A package the images have never seen, importable here."""
    return importable_tree(
        monkeypatch,
        tmp_path / "carried-codebase",
        {"carried/__init__.py": "", "carried/words.py": "def shout(text):\n    return text.upper() + '!'\n"},
    )


def test_a_task_runs_the_package_it_carries_in_the_dependency_image_without_network(
    codebase, task_image, docker_engine, tmp_path
):
    deps = run_image()
    assert deps != task_image and "-deps-" in deps
    # The dependency image holds no package of yours: what runs below came with the task.
    probe = docker_engine.containers.run(deps, ["python", "-c", "import carried"], remove=False, detach=True)
    try:
        assert probe.wait(timeout=120)["StatusCode"] != 0
    finally:
        probe.remove(force=True)

    @dsl.component(base_image=task_image, install_kfp_package=False)
    def shout(text: str) -> str:
        import carried.words

        return f"{carried.words.shout(text)} {carried.words.__file__}"

    @dsl.pipeline(name="carried-code")
    def carried_code(text: str = "hello") -> str:
        return shout(text=text).output

    shipped = ship(carried_code, Shipping(deps, task_image, codebase))
    assert shipped.tasks == {"exec-shout": ["carried/__init__.py", "carried/words.py"]}
    result = run_pipeline(shipped.pipeline, docker_runner(network_mode="none"), tmp_path / "out", {"text": "hi"})
    assert result.failed_task is None
    assert result.outputs["Output"] == "HI! /app/carried/words.py"
