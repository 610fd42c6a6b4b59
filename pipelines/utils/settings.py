"""Every environment variable the template reads, in one place, with its default.

Values are read when asked (functions, not module constants), so tests and run
scripts can set the environment before they call in.
"""

from __future__ import annotations

import os
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

PIPELINES_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIST = "pipe-fiction"
IMAGE_NAME = "pipe-fiction"


def package_version() -> str:
    """Returns the installed version of the ML package (the image tag comes from it)."""
    try:
        return version(PACKAGE_DIST)
    except PackageNotFoundError:
        return "latest"


def image() -> str:
    """The image every component runs in: ``PIPE_FICTION_IMAGE``, else ``pipe-fiction:<version>``.

    The default is what ``make build-image`` tags, so a fresh clone needs no setting.
    """
    return os.environ.get("PIPE_FICTION_IMAGE") or f"{IMAGE_NAME}:{package_version()}"


def local_outputs_dir() -> Path:
    """Where local runs write their artifacts: ``PIPE_FICTION_OUTPUTS``, else ``pipelines/local_outputs``.

    Always absolute with ``~`` expanded: kfp takes a ``~/...`` pipeline root literally.
    """
    raw = os.environ.get("PIPE_FICTION_OUTPUTS") or str(PIPELINES_DIR / "local_outputs")
    return Path(raw).expanduser().resolve()


def data_dir() -> Path:
    """The host folder Docker runs mount read-only at /data: ``PIPE_FICTION_DATA``, else ``pipelines/data``."""
    raw = os.environ.get("PIPE_FICTION_DATA") or str(PIPELINES_DIR / "data")
    return Path(raw).expanduser().resolve()
