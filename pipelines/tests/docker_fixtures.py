"""Fixtures for the tests that need a Docker engine and the task image.

Without an engine (or image) they skip with the reason; with PIPE_FICTION_REQUIRE_DOCKER=1
(set by CI) they fail instead, so CI always runs them.
"""

import os

import pytest

from utils import settings
from utils.docker_containers import DockerError, check_image_present, docker_client

REQUIRE_DOCKER = os.environ.get("PIPE_FICTION_REQUIRE_DOCKER", "").lower() in ("1", "true", "yes")


def _missing(reason: str):
    if REQUIRE_DOCKER:
        pytest.fail(f"{reason} (PIPE_FICTION_REQUIRE_DOCKER is set)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def docker_engine():
    """A connected docker client, or skip/fail saying what is missing."""
    try:
        client = docker_client()
    except DockerError as error:
        _missing(f"needs a Docker engine: {error}")
    yield client
    client.close()


@pytest.fixture(scope="session")
def task_image(docker_engine):
    """The task image's name (PIPE_FICTION_IMAGE, as built by make build-image)."""
    image = settings.image()
    try:
        check_image_present(docker_engine, image)
    except DockerError as error:
        _missing(f"needs the task image: {error}")
    return image
