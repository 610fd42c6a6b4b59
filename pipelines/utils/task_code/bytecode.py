"""Cached bytecode that may be older than its source, removed before tasks import your files."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable
from pathlib import Path


def drop_stale_bytecode(files: Iterable[Path]) -> list[Path]:
    """Removes each file's cached bytecode that may predate its last edit; returns what it removed.

    Python trusts a ``__pycache__`` entry whose recorded source mtime (whole seconds) and size
    match the source: an edit that keeps the size within the second the entry was written in
    would run the old code (a task rerun for a changed file, serving the old result). An entry
    written before the end of the source's last-modified second may be such; it is removed, and
    the task's import writes a fresh one.
    """
    removed = []
    for path in files:
        if path.suffix != ".py":
            continue
        try:
            cached = Path(importlib.util.cache_from_source(str(path)))
            if cached.stat().st_mtime < int(path.stat().st_mtime) + 1:
                cached.unlink()
                removed.append(cached)
        except (OSError, NotImplementedError, ValueError):
            continue  # no entry, or none to be had: nothing stale
    return removed
