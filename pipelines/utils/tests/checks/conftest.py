"""The checks run on your pipeline (``pipeline.py``'s, or ``PIPELINE=``'s), not the machinery's fixtures."""

import os

import pytest

from utils.testing.fixtures import hermetic_environment


@pytest.fixture(scope="session")
def asked_pipeline():
    """Which pipeline ``make test`` was asked to check (``PIPELINE=``), before the tests hide it."""
    return os.environ.get("PIPE_FICTION_PIPELINE") or None


@pytest.fixture(autouse=True)
def hermetic_settings(monkeypatch, tmp_path, asked_pipeline):
    """Overrides the machinery's fixture pipeline: these checks are about yours."""
    hermetic_environment(monkeypatch, tmp_path)
    if asked_pipeline:
        monkeypatch.setenv("PIPE_FICTION_PIPELINE", asked_pipeline)
    else:
        monkeypatch.delenv("PIPE_FICTION_PIPELINE", raising=False)
