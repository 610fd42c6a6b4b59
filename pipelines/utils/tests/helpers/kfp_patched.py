"""A pytest plugin that applies this template's kfp patches before kfp's own tests run.

``utils/tests/kfp_seams/test_kfp_own_tests.py`` runs kfp's shipped ``kfp/local`` tests with and without it.
"""

from utils.kfp_seams.docker import apply_patches


def pytest_configure(config):
    apply_patches()
