import io
import json
from pathlib import Path

import pandas as pd
import pytest
from kfp import local

from pipe_fiction import DataGenerator, DataProcessor
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


def summary_of(raw: pd.DataFrame) -> dict:
    """The summary the pipeline computes from raw rows, computed in this process: the ground truth.

    The pipeline hands data on as CSV between tasks; the same round trips here keep dtypes equal.
    """
    processor = DataProcessor()
    processed = processor.process(pd.read_csv(_to_csv(raw)))
    return processor.summarize(pd.read_csv(_to_csv(processed)))


def expected_summary(num_rows: int, seed: int, noise: float) -> dict:
    """The summary of the rows DataGenerator makes with these arguments."""
    return summary_of(DataGenerator(size=num_rows, seed=seed, noise=noise).generate())


def _to_csv(frame: pd.DataFrame) -> io.StringIO:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    buffer.seek(0)
    return buffer


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
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "absent-kubeconfig"))
    for name in list(os.environ):
        if name.startswith(("KFP_", "KF_PIPELINES_")) and not name.startswith("KFP_DEBUG"):
            monkeypatch.delenv(name)


def pytest_collection_modifyitems(items):
    """Marks every test that needs the engine or the image as part of the Docker layer."""
    for item in items:
        if {"docker_engine", "task_image"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.docker)
