"""Short previews of a task's artifacts for the run page: a CSV's first rows, JSON, images, text.

Files kfp writes often have no extension (an ``Output[Dataset]`` is a file called ``dataset``),
so the kind is sniffed from the content when the name does not say it. Every byte is read through
:class:`~utils.report.run_files.RunFiles`: nothing outside the run's folder reaches a page.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from pathlib import Path
from typing import Any

from utils.report.run_files import MISSING, OUTSIDE, RunFiles

MAX_ROWS, MAX_COLUMNS, MAX_LINES, MAX_CHARS = 8, 12, 20, 4000
MAX_IMAGE_BYTES = 1_000_000
_IMAGES = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


def preview(path: str | Path, files: RunFiles) -> dict[str, Any]:
    """What the page shows of a file or folder.

    Returns:
        ``{"kind": table|json|image|text|folder|binary|missing|outside, ...}``; ``outside`` for a
        path (or a link in it) that leads out of its run's folder, which is never read.
    """
    found = files.find(path)
    if found.kind in (OUTSIDE, MISSING):
        return {"kind": found.kind}
    if found.kind == "folder":
        names = files.names(path)
        if isinstance(names, str):
            return {"kind": names}
        return {"kind": "folder", "names": names[:MAX_LINES], "more": max(len(names) - MAX_LINES, 0)}
    suffix = Path(path).suffix.lower()
    if suffix in _IMAGES and found.size <= MAX_IMAGE_BYTES:
        data = files.read(path, MAX_IMAGE_BYTES)
        if isinstance(data, str):
            return {"kind": data}
        return {"kind": "image", "src": f"data:{_IMAGES[suffix]};base64,{base64.b64encode(data).decode()}"}
    head = files.read(path, 64 * 1024)
    if isinstance(head, str):
        return {"kind": head}
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return {"kind": "binary", "size": found.size}
    return _text_preview(text, suffix, complete=found.size <= len(head))


def _text_preview(text: str, suffix: str, complete: bool) -> dict[str, Any]:
    if suffix == ".json" or (complete and text.lstrip()[:1] in ("{", "[")):
        try:
            return {"kind": "json", "text": _cut(json.dumps(json.loads(text), indent=2, sort_keys=True))}
        except ValueError:
            pass
    lines = text.splitlines()
    if suffix in (".csv", ".tsv") or _looks_like_csv(lines):
        head = io.StringIO("\n".join(lines[: MAX_ROWS + 1]))
        rows = list(csv.reader(head, delimiter="\t" if suffix == ".tsv" else ","))
        if rows:
            return {
                "kind": "table",
                "header": [_cut(c, 60) for c in rows[0][:MAX_COLUMNS]],
                "rows": [[_cut(c, 60) for c in row[:MAX_COLUMNS]] for row in rows[1:]],
                "more_columns": max(len(rows[0]) - MAX_COLUMNS, 0),
            }
    return {"kind": "text", "text": _cut("\n".join(lines[:MAX_LINES])), "more": len(lines) > MAX_LINES or not complete}


def _looks_like_csv(lines: list[str]) -> bool:
    sample = [line for line in lines[:6] if line.strip()]
    if len(sample) < 2:
        return False
    counts = {len(row) for row in csv.reader(io.StringIO("\n".join(sample)))}
    return len(counts) == 1 and counts.pop() > 1


def _cut(text: str, limit: int = MAX_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"
