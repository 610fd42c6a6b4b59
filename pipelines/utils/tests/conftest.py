"""The machinery's tests: run on pipelines of their own (``fixtures/``), never on the user's."""

import pytest

from utils.testing.fixtures import (  # noqa: F401  (fixtures)
    docker_engine,
    hermetic_environment,
    mark_docker_tests,
    subprocess_runner,
    task_image,
)
from utils.tests.helpers.cluster import kfp_server  # noqa: F401  (fixture)


def pytest_report_header(config):
    import kfp

    return f"kfp {kfp.__version__} (switch with: make test KFP_VERSION=x.y.z)"


@pytest.fixture(autouse=True)
def hermetic_settings(monkeypatch, tmp_path):
    """No developer's .env, KFP_* or kubeconfig leaks in; the scripts run the tests' own pipelines."""
    hermetic_environment(monkeypatch, tmp_path)
    monkeypatch.setenv("PIPE_FICTION_PIPELINE", "utils.tests.fixtures.pipelines")


@pytest.fixture
def log_lines():
    """The machinery's log messages (loguru) during the test, as a list that fills as they come."""
    from loguru import logger

    lines: list[str] = []
    sink = logger.add(lambda message: lines.append(message.record["message"]), level="DEBUG")
    yield lines
    logger.remove(sink)


def pytest_collection_modifyitems(items):
    mark_docker_tests(items)
