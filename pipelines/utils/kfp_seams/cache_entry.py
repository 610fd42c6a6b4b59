"""kfp.local's task cache entries (kfp >= 2.17): neither a corrupt nor a metadata-only entry breaks reuse.

An entry is a JSON object, one per key, mapping each output to a value or to an artifact
(``{"__kfp_artifact__": true, "uri": ..., "metadata": ...}``). kfp's own reader crashes every later
run on an entry that is binary garbage, not an object, or holds a field of the wrong type; and it
treats an artifact whose file is missing as a miss, so a task whose output is metadata only
(``log_confusion_matrix`` writes no file) is never reused. Here an entry is checked before kfp's own
deserialiser sees it (a bad one is a miss, with the reason), and an artifact the task left without
a file is marked so when the entry is written, so that only a file that went missing later makes a miss.
"""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any

ARTIFACT, ARTIFACT_LIST = "__kfp_artifact__", "__kfp_artifact_list__"
NO_FILE = "pipe_fiction_no_file"  # set on an artifact that had no file when its task succeeded
MAX_ENTRY_BYTES = 10_000_000


class BadEntry(ValueError):
    """A cache entry that cannot be used; its message says why, never what it holds."""


def _artifacts(value: Any) -> list[dict[str, Any]] | None:
    """The artifact dicts an output value stands for ([] for a plain value); None if it is malformed."""
    if isinstance(value, dict) and value.get(ARTIFACT_LIST):
        items = value.get("artifacts")
        if not isinstance(items, list) or not all(isinstance(i, dict) and i.get(ARTIFACT) for i in items):
            return None
        return items
    if isinstance(value, dict) and value.get(ARTIFACT):
        return [value]
    return []


def _check_artifact(artifact: dict[str, Any]) -> None:
    uri, metadata = artifact.get("uri"), artifact.get("metadata", {})
    if not isinstance(uri, str) or not isinstance(metadata, dict | type(None)):
        raise BadEntry("holds an artifact with a malformed uri or metadata")
    for name in ("name", "schema_title", "schema_version"):
        if not isinstance(artifact.get(name, ""), str):
            raise BadEntry(f"holds an artifact with a malformed {name}")


def read(path: str) -> tuple[dict[str, Any] | None, bool]:
    """An entry, checked: ``(serialized outputs, whether every artifact is still there)``; ``(None, False)`` if absent.

    Raises:
        BadEntry: If the entry is not a usable cache entry (unreadable, not JSON, malformed).
    """
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_ENTRY_BYTES + 1)
    except FileNotFoundError:
        return None, False
    except OSError as error:
        raise BadEntry(f"cannot be read ({error.strerror})") from None
    if len(raw) > MAX_ENTRY_BYTES:
        raise BadEntry("is too large for a cache entry")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadEntry("is not JSON") from None
    if not isinstance(data, dict):
        raise BadEntry("is not a JSON object")
    present = True
    for value in data.values():
        artifacts = _artifacts(value)
        if artifacts is None:
            raise BadEntry("holds a malformed artifact list")
        for artifact in artifacts:
            _check_artifact(artifact)
            uri = artifact["uri"]
            remote = uri.startswith(("gs://", "s3://", "minio://", "oci://", "http://", "https://"))
            # A file the task never wrote is fine while its task's folder is there; a file that
            # went missing (a deleted run folder) is not.
            wrote_none = artifact.get(NO_FILE) and os.path.isdir(os.path.dirname(uri))
            if not remote and not os.path.exists(uri) and not wrote_none:
                present = False
    return data, present


def entry_path(cache_root: str, key: str) -> str:
    """Where kfp keeps the entry of ``key`` (``LocalCache._entry_path``; the canary checks they agree)."""
    return os.path.join(cache_root, f"{key}.json")


def outputs(serialized: dict[str, Any]) -> dict[str, Any]:
    """The task outputs an entry holds: values as they are, artifacts as kfp's artifact objects."""
    from kfp.dsl import executor

    def artifact(data: dict[str, Any]) -> Any:
        return executor.create_artifact_instance(
            {
                "name": data.get("name", ""),
                "uri": data["uri"],
                "metadata": data.get("metadata") or {},
                "type": {"schemaTitle": data.get("schema_title", "system.Artifact")},
            }
        )

    found: dict[str, Any] = {}
    for name, value in serialized.items():
        if isinstance(value, dict) and value.get(ARTIFACT_LIST):
            found[name] = [artifact(item) for item in value["artifacts"]]
        elif isinstance(value, dict) and value.get(ARTIFACT):
            found[name] = artifact(value)
        else:
            found[name] = value
    return found


def mark_files_missing_at_put(path: str) -> None:
    """Marks, in a freshly written entry, the artifacts whose task wrote no file (metadata only)."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return
    changed = False
    for value in data.values() if isinstance(data, dict) else []:
        for artifact in _artifacts(value) or []:
            uri = artifact.get("uri")
            if isinstance(uri, str) and "://" not in uri and not os.path.exists(uri):
                artifact[NO_FILE] = True
                changed = True
    if changed:
        folder = os.path.dirname(path)
        fd, temporary = tempfile.mkstemp(prefix=".kfp_cache_", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "w") as f:
            json.dump(data, f)
        os.replace(temporary, path)
