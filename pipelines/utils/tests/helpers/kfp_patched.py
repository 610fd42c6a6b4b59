"""A pytest plugin that applies this template's kfp patches before kfp's own tests run.

``tests/test_kfp_own_tests.py`` runs kfp's shipped ``kfp/local`` tests with and without it.
"""

from utils.docker.runner import apply_patches


def pytest_configure(config):
    apply_patches()
