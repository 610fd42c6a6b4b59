"""Copies of this repository for end-to-end tests (see :mod:`utils.testing.repo_copies`), with pytest helpers.

A copy holds the working tree as it is (uncommitted work included), committed in a fresh repository.
"""

from __future__ import annotations

import os
import subprocess

from utils.image.tag import locked_version
from utils.testing.repo_copies import NESTED, ROOT, built_images, clean_env, clone, forget_images, make  # noqa: F401


def ok(done: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    """The finished make, asserted to have succeeded (its output's end shown if not)."""
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    return done


def once_on_the_locked_kfp(also_in_copies: bool = True):
    """Skips a test of whole copies but on the locked kfp (and, unless ``also_in_copies``, in a copy)."""
    import kfp
    import pytest

    nested = bool(os.environ.get(NESTED)) and not also_in_copies
    return pytest.mark.skipif(
        kfp.__version__ != locked_version("kfp") or nested,
        reason=f"runs once, on the locked kfp {locked_version('kfp')}, and not again inside a copy's own make test",
    )
