"""A task's code as one deterministic string: the same files always give the same bytes.

The string goes into the task's command, and a KFP backend keys its cache on the command: so
it must change exactly when a file does, never because of when or where it was made (kfp's own
``embedded_artifact_path`` archives carry timestamps, so every compile would miss the cache).
The files are a JSON object of relative path to text (or base64 for binary content), sorted,
compressed with zlib and base64-encoded.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Iterable
from pathlib import Path


def bundle(files: Iterable[Path], base: Path) -> str:
    """The files (paths under ``base``) as one ASCII string, identical for identical contents."""
    entries: dict[str, str | dict[str, str]] = {}
    for path in sorted(set(files)):
        data = path.read_bytes()
        try:
            entries[path.relative_to(base).as_posix()] = data.decode("utf-8")
        except UnicodeDecodeError:
            entries[path.relative_to(base).as_posix()] = {"base64": base64.b64encode(data).decode("ascii")}
    payload = json.dumps(entries, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return base64.b64encode(zlib.compress(payload, 9)).decode("ascii")


def unbundle(text: str) -> dict[str, bytes]:
    """The files of a bundle, by relative path (what a task writes)."""
    entries = json.loads(zlib.decompress(base64.b64decode(text)))
    return {
        name: base64.b64decode(content["base64"]) if isinstance(content, dict) else content.encode("utf-8")
        for name, content in entries.items()
    }
