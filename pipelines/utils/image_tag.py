"""The task image's default name, in one place: for the Makefile and for ``settings.image()``.

``<codebase name>:<package version>``, plus ``-kfp<version>`` when a kfp other than the locked
one is baked in (``make ... KFP_VERSION=2.7.0``). Standard library only: the Makefile runs it
with the system's ``python3`` (``python3 pipelines/utils/image_tag.py [KFP_VERSION]``), before
any environment exists.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def locked_version(package: str) -> str:
    """A package's version in ``pipelines/uv.lock``."""
    lock = (ROOT / "pipelines" / "uv.lock").read_text()
    return re.search(rf'^name = "{re.escape(package)}"\nversion = "([^"]+)"', lock, re.M).group(1)


def default_image(kfp_version: str | None = None) -> str:
    """The image ``make build-image`` tags by default.

    Args:
        kfp_version: The kfp baked into the image, when it is not the locked one.
    """
    codebase = next(ROOT.glob("*-codebase"))
    pyproject = (codebase / "pyproject.toml").read_text()
    version = re.search(r'^version = "([^"]+)"', pyproject, re.M).group(1)
    suffix = f"-kfp{kfp_version}" if kfp_version and kfp_version != locked_version("kfp") else ""
    return f"{codebase.name.removesuffix('-codebase')}:{version}{suffix}"


if __name__ == "__main__":
    print(default_image(sys.argv[1] if len(sys.argv) > 1 else None))
