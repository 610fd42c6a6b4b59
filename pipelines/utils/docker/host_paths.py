"""Host files and folders that pipeline arguments name, made visible to Docker tasks at the same path.

``make run-subproc ARGS="--train-path /data/train.csv"`` works because a subprocess sees this
machine's files; a container sees only what is mounted into it. So that one command line works
for every runner, each argument (at any depth of a list or dict) that is an absolute path of an
existing file or folder is mounted read-only at that same path.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def host_paths(arguments: dict[str, Any], already_mounted: Iterable[Path] = ()) -> list[Path]:
    """The absolute paths of existing files and folders the arguments name, outermost only.

    Args:
        arguments: The pipeline's arguments.
        already_mounted: Folders the tasks see anyway (the pipeline root, the data folder).
    """
    found: set[Path] = set()
    for text in _strings(arguments):
        if text.startswith("/") and "\0" not in text and len(text) < 4096 and os.path.exists(text):
            found.add(Path(os.path.normpath(text)))
    mounted = [Path(os.path.realpath(p)) for p in already_mounted]
    paths = sorted(found)
    outermost = [p for p in paths if not any(q != p and p.is_relative_to(q) for q in paths)]
    return [p for p in outermost if not any(Path(os.path.realpath(p)).is_relative_to(m) for m in mounted)]


def read_only_volumes(paths: Iterable[Path]) -> dict[str, dict[str, str]]:
    """docker-py ``volumes`` mounting each path read-only where it is (a link's target, at the link's path)."""
    return {os.path.realpath(path): {"bind": str(path), "mode": "ro"} for path in paths}
