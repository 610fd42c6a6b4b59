import json
from pathlib import Path

import pytest
from kfp import local

from tests.cluster_helpers import kfp_server  # noqa: F401  (fixture)
from tests.docker_fixtures import docker_engine, task_image  # noqa: F401  (fixtures)
from utils.local_run import init_local

PIPELINES_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture
def subprocess_runner(tmp_path):
    """Initialises kfp.local with the SubprocessRunner and a fresh pipeline root."""
    root = tmp_path / "outputs"
    init_local(local.SubprocessRunner(use_venv=False), root)
    return root


def read_json(path: str | Path) -> dict:
    return json.loads(Path(path).read_text())


def pytest_report_header(config):
    import kfp

    return f"kfp {kfp.__version__} (switch with: make test KFP_VERSION=x.y.z)"


@pytest.fixture(autouse=True)
def hermetic_settings(monkeypatch, tmp_path):
    """No developer's .env, KFP_* or kubeconfig leaks into a test (nor into the scripts it runs)."""
    import os

    monkeypatch.setenv("PIPE_FICTION_ENV_FILE", str(tmp_path / "absent.env"))
    monkeypatch.delenv("PIPE_FICTION_ARGS", raising=False)
    # The machinery is tested on the tests' own pipelines; tests/demo/ switches back to pipeline.py.
    monkeypatch.setenv("PIPE_FICTION_PIPELINE", "tests.fixtures.pipelines")
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "absent-kubeconfig"))
    # Each test starts with an empty task cache: results reused from another test would hide runs.
    monkeypatch.setenv("PIPE_FICTION_CACHE_DIR", str(tmp_path / "local_cache"))
    for name in list(os.environ):
        if name.startswith(("KFP_", "KF_PIPELINES_")) and not name.startswith("KFP_DEBUG"):
            monkeypatch.delenv(name)


def pytest_collection_modifyitems(items):
    """Marks every test that needs the engine or the image as part of the Docker layer."""
    for item in items:
        if {"docker_engine", "task_image"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.docker)
