"""Copies of this repository, and make run in them as a user would: for end-to-end tests and the bench.

A copy is the working tree as it is, uncommitted changes and new files included (what git
ignores left out), committed in a repository of its own so that it starts clean, as a fresh
clone would. Its make never sees the outer make's flags, image or pipeline choice: make exports
command-line variables (``make test IMAGE=x``) to everything it runs, and a nested make would
build over that image.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from utils.common.paths import ROOT
from utils.image.tag import without_fingerprint

# Set in a copy's own make test, so that tests which make copies do not recurse.
NESTED = "PIPE_FICTION_NESTED_COPY"
# make's own, and every variable the outer make exports to what it runs (its user variables, the
# package folder, pytest's options): a copy's make must see only what its own user gives it.
_DROPPED = (
    *("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES", "IMAGE", "KFP_VERSION", "PIPELINE", "PKG", "ARGS", "TASK"),
    *("PORT", "NAME", "RUN_ID", "DEBUGGER", "TIMEOUT", "PIPELINE_YAML", "PYTEST_ARGS", "PYTEST_ADDOPTS"),
)


GIT_IDENTITY = ("-c", "user.name=pipe-fiction tests", "-c", "user.email=tests@pipe-fiction.invalid")


def commit_all(folder: Path, message: str) -> None:
    """Commits everything in ``folder``'s repository (a copy's), as a user would."""
    subprocess.run(["git", "add", "-A"], cwd=folder, check=True)
    subprocess.run(["git", *GIT_IDENTITY, "commit", "--quiet", "--allow-empty", "-m", message], cwd=folder, check=True)


def clone(tmp_path: Path, name: str = "copy") -> Path:
    """A copy of this working tree, as it is now, committed in a fresh repository of its own."""
    target = tmp_path / name
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout  # fmt: skip
    for relative in sorted({p for p in listed.decode().split("\0") if p}):
        source = ROOT / relative
        if not source.exists() and not source.is_symlink():
            continue  # deleted in the working tree, not yet committed
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination, follow_symlinks=False)
    subprocess.run(["git", "init", "--quiet", "-b", "main"], cwd=target, check=True)
    commit_all(target, "A copy of the working tree")
    return target


def clean_env(rename: tuple[str, str] | None = None, **extra: str) -> dict[str, str]:
    """The environment for a nested make: this project's variables dropped or renamed.

    Args:
        rename: (old, new) upper-case prefixes of a renamed copy's variables (``PIPE_FICTION_``).
        **extra: Variables to set.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in _DROPPED and k not in ("PIPE_FICTION_IMAGE", "PIPE_FICTION_PIPELINE", "PIPE_FICTION_SHIP_CODE")
    }
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


def built_images(make_output: str) -> list[str]:
    """The images a make in a copy built (``make build-image`` says "Building <image>")."""
    return [line.split()[-1] for line in make_output.splitlines() if line.startswith("Building ")]


def forget_images(engine: Any, built: list[str], current: list[str]) -> None:
    """Removes images a copy built, and points the moving version tags at ``current`` again.

    Args:
        engine: A docker client.
        built: What the copy built (:func:`built_images`).
        current: This work tree's images (their fingerprinted tags: dependency and full).
    """
    for image in built:
        with contextlib.suppress(Exception):
            engine.images.remove(image)
    if not built:
        return
    for image in current:
        repository, tag = without_fingerprint(image).rsplit(":", 1)
        with contextlib.suppress(Exception):  # an image this tree never built has no moving tag to restore
            engine.images.get(image).tag(repository, tag)
