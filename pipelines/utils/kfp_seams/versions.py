"""The installed kfp's version, as the seams compare it: (major, minor)."""

from __future__ import annotations

import re

Version = tuple[int, int]


def parse(version: str) -> Version:
    """``"2.17.3"`` -> ``(2, 17)``."""
    major, minor = re.match(r"(\d+)\.(\d+)", version).groups()
    return int(major), int(minor)


def kfp_version() -> Version:
    """The installed kfp's (major, minor)."""
    import kfp

    return parse(kfp.__version__)
