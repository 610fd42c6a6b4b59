"""Short previews of a task's artifacts for the run page: tables, JSON, images, text, Markdown, HTML.

Files kfp writes often have no extension (an ``Output[Dataset]`` is a file called ``dataset``),
so the kind is sniffed from the content when the name does not say it: CSV, JSON, parquet, Arrow
and Feather (their first rows, schema and row count, read with pyarrow when it is installed),
images. An artifact's type says the rest: ``Markdown`` is rendered (sanitised,
:mod:`utils.report.markdown`), ``HTML`` is shown in a sandboxed frame from a copy named ``.html``
(:func:`html_view`), a ``Model`` shows its size. Every byte is read through
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


MAX_HTML_BYTES = 20_000_000
# Artifacts that are their metadata (log_metric, log_confusion_matrix write no file).
METADATA_ONLY = ("system.Metrics", "system.ClassificationMetrics", "system.SlicedClassificationMetrics")


def preview(path: str | Path, files: RunFiles, artifact: str = "") -> dict[str, Any]:
    """What the page shows of a file or folder.

    Args:
        path: The artifact's local path.
        files: The runs' files, as the page may read them.
        artifact: The artifact's type (``system.Markdown``, ...), when it is one.

    Returns:
        ``{"kind": table|json|image|text|markdown|model|folder|binary|missing|outside|none, ...}``;
        ``outside`` for a path (or a link in it) that leads out of its run's folder, which is
        never read; ``none`` for a metadata-only artifact without a file.
    """
    found = files.find(path)
    if found.kind == MISSING and artifact in METADATA_ONLY:
        return {"kind": "none"}
    if found.kind in (OUTSIDE, MISSING):
        return {"kind": found.kind}
    if found.kind == "folder":
        names = files.names(path)
        if isinstance(names, str):
            return {"kind": names}
        shown = {"kind": "folder", "names": names[:MAX_LINES], "more": max(len(names) - MAX_LINES, 0)}
        return {**shown, "model": True} if artifact == "system.Model" else shown
    if artifact == "system.Markdown":
        return _markdown(path, files)
    table = _columnar(path, files)
    if table is not None:
        return table
    if artifact == "system.Model":
        return {"kind": "model", "size": found.size}
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


def _markdown(path: str | Path, files: RunFiles) -> dict[str, Any]:
    from utils.report.markdown import MAX_MARKDOWN_CHARS, render_markdown

    data = files.read(path, MAX_MARKDOWN_CHARS * 4)
    if isinstance(data, str):
        return {"kind": data}
    return {"kind": "markdown", "html": render_markdown(data.decode("utf-8", errors="replace"))}


# Magic numbers: parquet starts (and ends) with PAR1, an Arrow IPC file (Feather v2) with ARROW1,
# Feather v1 with FEA1, an Arrow IPC stream with a continuation marker.
_COLUMNAR = {b"PAR1": "parquet", b"ARRO": "arrow", b"FEA1": "feather", b"\xff\xff\xff\xff": "arrow stream"}


def _columnar(path: str | Path, files: RunFiles) -> dict[str, Any] | None:
    """The first rows, schema and row count of a parquet / Arrow / Feather file; None for another file."""
    head = files.read(path, 8)
    kind = _COLUMNAR.get(head[:4]) if isinstance(head, bytes) else None
    if kind is None or (kind == "arrow" and head[:6] != b"ARROW1"):
        return None
    try:
        import pyarrow  # noqa: F401  (optional: the page says so when it is missing)
    except ImportError:
        return {"kind": "columnar", "format": kind, "error": "install pyarrow to see its rows"}
    with files.open_binary(path) as file:
        if isinstance(file, str):
            return {"kind": file}
        try:
            table, rows = _first_rows(file, kind)
        except Exception as error:  # a damaged or truncated file: said, not raised
            return {"kind": "columnar", "format": kind, "error": f"unreadable: {type(error).__name__}"}
    names = table.schema.names
    return {
        "kind": "columnar",
        "format": kind,
        "rows_total": rows,
        "schema": [f"{name}: {table.schema.field(name).type}" for name in names[:MAX_COLUMNS]],
        "header": [_cut(n, 60) for n in names[:MAX_COLUMNS]],
        "rows": [[_cut(_cell(v), 60) for v in row[:MAX_COLUMNS]] for row in _rows(table)],
        "more_columns": max(len(names) - MAX_COLUMNS, 0),
    }


def _first_rows(file: Any, kind: str) -> tuple[Any, int | None]:
    import pyarrow as pa
    import pyarrow.feather as feather
    import pyarrow.ipc as ipc
    import pyarrow.parquet as pq

    if kind == "parquet":
        parquet = pq.ParquetFile(file)
        first = next(parquet.iter_batches(batch_size=MAX_ROWS), None)
        table = pa.Table.from_batches([first]) if first is not None else parquet.schema_arrow.empty_table()
        return table, parquet.metadata.num_rows
    if kind == "arrow":
        reader = ipc.open_file(file)
        total = sum(reader.get_batch(i).num_rows for i in range(reader.num_record_batches))
        batch = reader.get_batch(0) if reader.num_record_batches else None
        table = pa.Table.from_batches([batch]) if batch is not None else reader.schema.empty_table()
        return table.slice(0, MAX_ROWS), total
    if kind == "arrow stream":
        reader = ipc.open_stream(file)
        batch = next(iter(reader), None)
        table = pa.Table.from_batches([batch]) if batch is not None else reader.schema.empty_table()
        return table.slice(0, MAX_ROWS), None
    table = feather.read_table(file)
    return table.slice(0, MAX_ROWS), table.num_rows


def _rows(table: Any) -> list[list[Any]]:
    columns = [table.column(i).to_pylist() for i in range(min(table.num_columns, MAX_COLUMNS))]
    return [list(row) for row in zip(*columns, strict=True)] if columns else []


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def html_view(path: str | Path, files: RunFiles, copy: Path) -> dict[str, Any]:
    """An HTML artifact, copied to ``copy`` (a ``.html`` name inside the new run's folder) for a frame.

    The artifact's own file has no extension, so a browser would show it as text; the copy is
    what the page frames (sandboxed) and links to.
    """
    found = files.find(path)
    if found.kind != "file":
        return {"kind": found.kind if found.kind in (OUTSIDE, MISSING) else "binary", "size": found.size}
    if found.size > MAX_HTML_BYTES:
        return {"kind": "too big", "size": found.size}
    data = files.read(path, MAX_HTML_BYTES)
    if isinstance(data, str):
        return {"kind": data}
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_bytes(data)
    return {"kind": "html", "view": copy, "size": len(data)}


def _looks_like_csv(lines: list[str]) -> bool:
    sample = [line for line in lines[:6] if line.strip()]
    if len(sample) < 2:
        return False
    counts = {len(row) for row in csv.reader(io.StringIO("\n".join(sample)))}
    return len(counts) == 1 and counts.pop() > 1


def _cut(text: str, limit: int = MAX_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"
