"""Copies of this repository for end-to-end tests, and make run in them as a user would.

A copy is a ``git clone`` of HEAD (so commit before running those tests). Its make never sees
the outer make's flags, image or pipeline choice: make exports command-line variables
(``make test IMAGE=x``) to everything it runs, and a nested make would build over that image.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from utils.image_tag import locked_version

ROOT = Path(__file__).resolve().parents[2]
# Set in a copy's own make test, so that tests which make copies do not recurse.
NESTED = "PIPE_FICTION_NESTED_COPY"
_DROPPED = ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES", "IMAGE", "KFP_VERSION", "PIPELINE")


def clone(tmp_path: Path, name: str = "copy") -> Path:
    """A clone of this repository's HEAD, as a user's fresh copy."""
    target = tmp_path / name
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(target)], check=True)
    return target


def clean_env(rename: tuple[str, str] | None = None, **extra: str) -> dict[str, str]:
    """The environment for a nested make: this project's variables dropped or renamed.

    Args:
        rename: (old, new) upper-case prefixes of a renamed copy's variables (``PIPE_FICTION_``).
        **extra: Variables to set.
    """
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED and k not in ("PIPE_FICTION_IMAGE",
           "PIPE_FICTION_PIPELINE")}  # fmt: skip
    env.update(extra)
    if rename:
        old, new = rename
        for key in [k for k in env if k.startswith(old)]:
            env[key.replace(old, new)] = env.pop(key)
    return env


def make(copy: Path, *args: str, timeout: float = 300, rename: tuple[str, str] | None = None, **extra: str):
    """Runs make in the copy as a user would, in a clean environment."""
    return subprocess.run(
        ["make", *args], cwd=copy, capture_output=True, text=True, env=clean_env(rename, **extra), timeout=timeout
    )


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
