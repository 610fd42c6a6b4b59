"""Fixtures for your component and pipeline tests: keep this file when you replace the demo's tests.

- ``subprocess_runner``: kfp.local set up with the subprocess runner on a fresh folder (returned),
  so that calling a component, or a small ``@dsl.pipeline``, in a test runs it for real.
- ``docker_engine`` and ``task_image``: for tests that run tasks in containers; skipped, with the
  reason, when no engine answers or the image is not built (``make test`` builds it).
- Every test runs hermetically: no ``.env``, cluster setting or task cache of yours leaks in, and
  the scripts run ``pipeline.py``'s pipeline.

Helpers to import: :mod:`utils.testing.scripts` (run a script as a user would, check its one-line
errors, read its run table), :func:`utils.testing.fixtures.read_json`, and :mod:`utils.testing.dap_client`
(a Debug Adapter Protocol client, for tests that stop at a breakpoint).
"""

import pytest

from utils.testing.fixtures import (  # noqa: F401  (fixtures)
    docker_engine,
    hermetic_environment,
    mark_docker_tests,
    subprocess_runner,
    task_image,
)


@pytest.fixture(autouse=True)
def hermetic_settings(monkeypatch, tmp_path):
    """No developer's .env, KFP_* or kubeconfig leaks into a test; the scripts run pipeline.py's pipeline."""
    hermetic_environment(monkeypatch, tmp_path)
    monkeypatch.delenv("PIPE_FICTION_PIPELINE", raising=False)


def pytest_collection_modifyitems(items):
    mark_docker_tests(items)
