"""pytest fixtures for testing components and pipelines locally: your tests' and the machinery's.

A ``conftest.py`` imports the ones it wants (``from utils.testing.fixtures import ...``): a
hermetic environment (no developer's ``.env``, cluster settings or task cache leak in), kfp.local
initialised with the subprocess runner on a fresh folder, and the Docker engine and task image
(skipped with the reason when absent; ``PIPE_FICTION_REQUIRE_DOCKER=1`` turns the skip into a
failure).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from utils.common.errors import DockerError

DOCKER_FIXTURES = frozenset({"docker_engine", "task_image"})


def require_docker() -> bool:
    """Whether a missing engine or image fails the tests instead of skipping them (CI sets it)."""
    return os.environ.get("PIPE_FICTION_REQUIRE_DOCKER", "").lower() in ("1", "true", "yes")


def _missing(reason: str) -> None:
    if require_docker():
        pytest.fail(f"{reason} (PIPE_FICTION_REQUIRE_DOCKER is set)", pytrace=False)
    pytest.skip(reason)


def hermetic_environment(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Keeps a developer's ``.env``, ``KFP_*`` settings, kubeconfig and task cache out of a test.

    Args:
        monkeypatch: The test's monkeypatch.
        folder: A folder of the test's own (its ``tmp_path``) for the cache and absent files.
    """
    monkeypatch.setenv("PIPE_FICTION_ENV_FILE", str(folder / "absent.env"))
    monkeypatch.delenv("PIPE_FICTION_ARGS", raising=False)
    monkeypatch.setenv("KUBECONFIG", str(folder / "absent-kubeconfig"))
    # Each test starts with an empty task cache: results reused from another test would hide runs.
    monkeypatch.setenv("PIPE_FICTION_CACHE_DIR", str(folder / "local_cache"))
    for name in list(os.environ):
        if name.startswith(("KFP_", "KF_PIPELINES_")) and not name.startswith("KFP_DEBUG"):
            monkeypatch.delenv(name)


@pytest.fixture
def subprocess_runner(tmp_path: Path) -> Path:
    """kfp.local initialised with the subprocess runner and a fresh pipeline root, which it returns.

    Calling a component (or a small ``@dsl.pipeline``) inside the test then runs it for real.
    """
    from kfp import local

    from utils.local.run import init_local

    root = tmp_path / "outputs"
    init_local(local.SubprocessRunner(use_venv=False), root)
    return root


@pytest.fixture(scope="session")
def docker_engine() -> Iterator[Any]:
    """A connected docker client, or skip (fail in CI) saying what is missing."""
    from utils.docker.containers import docker_client

    try:
        client = docker_client()
    except DockerError as error:
        _missing(f"needs a Docker engine: {error}")
    yield client
    client.close()


@pytest.fixture(scope="session")
def task_image(docker_engine: Any) -> str:
    """The full image's name (what components name), or skip; the dependency image must be there too.

    As ``PIPE_FICTION_IMAGE`` and ``make build-image`` name them: a run whose tasks bring their
    code uses the dependency image, the others (and tests that run a component directly) the
    full one. ``make test`` builds both when missing.
    """
    from utils.docker.containers import check_image_present
    from utils.image.task_image import run_image
    from utils.image.task_image import task_image as image_of_tasks

    image = image_of_tasks()
    try:
        for needed in dict.fromkeys([image, run_image()]):
            check_image_present(docker_engine, needed)
    except DockerError as error:
        _missing(f"needs the task images (make image-present builds them): {error}")
    return image


def mark_docker_tests(items: list[pytest.Item]) -> None:
    """Marks every test that needs the engine or the image ``docker`` (``make test-docker-layer`` runs those)."""
    for item in items:
        if DOCKER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.docker)


def read_json(path: str | Path) -> Any:
    """A JSON file's content (a metrics artifact, an executor output)."""
    return json.loads(Path(path).read_text())
