"""A fingerprint of the code a task runs: the files it imports and those pinning its environment.

The key to reusing a task locally (:mod:`utils.local.reuse`): editing one module changes the
fingerprint of exactly the tasks that use it (:mod:`utils.task_code.imports` says which), and a
change to a lock, a ``pyproject.toml`` or the Dockerfile every fingerprint.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterable
from pathlib import Path

from utils.common.paths import PIPELINES_DIR, ROOT, codebase
from utils.task_code.imports import python_sources, user_files

# Files that pin the environment every task runs in: a change to any of them changes every key.
_ENVIRONMENT = ("uv.lock", "pyproject.toml", "Dockerfile")


def environment_files(files: Iterable[Path] = ()) -> set[Path]:
    """The files that pin every task's environment: both projects' and those of the folders of ``files``."""
    folders = {PIPELINES_DIR, codebase()}
    for path in files:
        folder = next((p for p in path.parents if (p / "uv.lock").is_file() or (p / "pyproject.toml").is_file()), None)
        if folder is not None:
            folders.add(folder)
    return {folder / name for folder in folders for name in _ENVIRONMENT if (folder / name).is_file()}


def task_code(command: Iterable[str]) -> dict[str, str] | None:
    """Your files a task runs and the files pinning its environment, each with its content's hash.

    Keyed by the path relative to the package's folder, else to the repository (absolute outside
    it), as a reason names them; None for a non-Python task.
    """
    sources = python_sources(command)
    if not sources:
        return None
    files = user_files(sources)
    found = {}
    for path in sorted(files | environment_files(files)):
        base = next((folder for folder in (codebase(), ROOT) if path.is_relative_to(folder)), None)
        name = path.relative_to(base).as_posix() if base is not None else str(path)
        found[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def fingerprint_of(code: dict[str, str]) -> str:
    """One hash of :func:`task_code`'s answer (and of the Python version the tasks run)."""
    digest = hashlib.sha256(f"python {sys.version_info.major}.{sys.version_info.minor}\0".encode())
    for name, content in sorted(code.items()):
        digest.update(f"{name}\0{content}\0".encode())
    return digest.hexdigest()


def task_fingerprint(command: Iterable[str]) -> str | None:
    """A hash of your code a task runs and of the environment pinning the rest; None for a non-Python task."""
    code = task_code(command)
    return None if code is None else fingerprint_of(code)
