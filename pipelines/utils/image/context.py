"""The files of a Docker build context, as ``docker build`` sends them: ``.dockerignore`` applied.

Standard library only (see :mod:`utils.common.paths`). The walk prunes ignored folders instead of
walking them (a codebase's ``.venv`` alone holds thousands of files), and follows Docker's
rules: patterns match paths relative to the context root, ``*`` and ``?`` stay within one path
segment, ``**`` spans any number of them, a matched folder excludes everything below it, a
leading ``!`` re-includes, and the last matching pattern wins.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

IGNORE_FILE = ".dockerignore"


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    include: bool  # a "!" pattern


def _translate(pattern: str) -> re.Pattern[str]:
    parts, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            parts.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            parts.append(".*")
            i += 2
        elif pattern[i] == "*":
            parts.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            parts.append("[^/]")
            i += 1
        elif pattern[i] == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                parts.append(re.escape("["))
                i += 1
            else:
                body = pattern[i + 1 : end]
                parts.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
                i = end + 1
        else:
            parts.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(parts) + r"\Z")


def read_patterns(context: Path) -> list[_Pattern]:
    """The context's ``.dockerignore`` patterns, in order (none when it has no such file)."""
    path = context / IGNORE_FILE
    if not path.is_file():
        return []
    patterns = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        include = line.startswith("!")
        cleaned = os.path.normpath(line.removeprefix("!").strip()).lstrip("/")
        if cleaned and cleaned != ".":
            patterns.append(_Pattern(_translate(cleaned), include))
    return patterns


def _excluded(relative: str, patterns: list[_Pattern]) -> bool:
    """Docker's rule: the last pattern matching the path, or one of its parent folders, decides."""
    prefixes = []
    parts = relative.split("/")
    for end in range(1, len(parts) + 1):
        prefixes.append("/".join(parts[:end]))
    excluded = False
    for pattern in patterns:
        if any(pattern.regex.match(prefix) for prefix in prefixes):
            excluded = not pattern.include
    return excluded


def context_files(context: Path) -> list[Path]:
    """Every file ``docker build`` would send from ``context``, sorted; ignored folders are never entered."""
    patterns = read_patterns(context)
    # A "!" pattern may re-include something below an excluded folder: then nothing can be pruned.
    can_prune = not any(p.include for p in patterns)
    found: list[Path] = []
    for folder, dirs, files in os.walk(context):
        base = Path(folder)
        relative_folder = base.relative_to(context).as_posix()
        prefix = "" if relative_folder == "." else relative_folder + "/"
        if can_prune:
            dirs[:] = [d for d in dirs if not _excluded(prefix + d, patterns)]
        dirs.sort()
        for name in files:
            if not _excluded(prefix + name, patterns):
                found.append(base / name)
    return sorted(found)
