"""Where things are in the repository: the one place that knows the layout.

Standard library only, and no import beyond it: the Makefile runs :mod:`utils.image.tag` (which
uses this) with the system's ``python3`` before any environment exists.
"""

from __future__ import annotations

from pathlib import Path

PIPELINES_DIR = Path(__file__).resolve().parents[2]
ROOT = PIPELINES_DIR.parent
PIPELINES_LOCK = PIPELINES_DIR / "uv.lock"


def codebase() -> Path:
    """The package's folder: the one ``*-codebase`` folder beside ``pipelines/`` (renamed by ``make rename``)."""
    return next(ROOT.glob("*-codebase"))


def package_name() -> str:
    """The project's kebab-case name, from the codebase folder (``pipe-fiction``)."""
    return codebase().name.removesuffix("-codebase")
