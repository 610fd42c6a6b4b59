"""KFP's visual metrics, as its UI draws them: confusion matrices and ROC / precision-recall curves.

They live in an artifact's metadata, not in its file (``log_confusion_matrix`` and
``log_roc_curve`` write no file): ``confusionMatrix`` (``annotationSpecs`` for the labels,
``rows`` for the counts) and ``confidenceMetrics`` (one reading per threshold:
``falsePositiveRate``, ``recall``, and ``precision`` when logged). A
``SlicedClassificationMetrics`` holds one such set per slice (``evaluationSlices``). Curves are
inline SVG, built here with every number formatted by us, so the page stays static.
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

CLASSIFICATION = "system.ClassificationMetrics"
SLICED = "system.SlicedClassificationMetrics"
CURVE_W, CURVE_H, MARGIN = 240.0, 200.0, 34.0


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def confusion_matrix(metadata: dict[str, Any]) -> dict[str, Any] | None:
    """The labels, the counts and each cell's shade (0 to 1, by count), or None when there is none."""
    found = metadata.get("confusionMatrix")
    if not isinstance(found, dict):
        return None
    specs, rows = found.get("annotationSpecs"), found.get("rows")
    if not isinstance(specs, list) or not isinstance(rows, list):
        return None
    labels = [str(s.get("displayName", "")) if isinstance(s, dict) else str(s) for s in specs]
    counts = []
    for row in rows:
        values = row.get("row") if isinstance(row, dict) else row
        if not isinstance(values, list):
            return None
        counts.append([_number(v) or 0.0 for v in values])
    if len(counts) != len(labels) or any(len(r) != len(labels) for r in counts):
        return None
    top = max((v for r in counts for v in r), default=0.0) or 1.0
    return {
        "labels": labels,
        "rows": [[{"count": _count(v), "shade": round(v / top, 3)} for v in r] for r in counts],
        "accuracy": accuracy_of(counts),
    }


def _count(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def accuracy_of(counts: list[list[float]]) -> float | None:
    """The share of the diagonal: the accuracy a confusion matrix implies (None when empty)."""
    total = sum(v for row in counts for v in row)
    return sum(counts[i][i] for i in range(len(counts))) / total if total else None


def curves(metadata: dict[str, Any]) -> list[dict[str, str]]:
    """ROC (and precision-recall, when precision was logged) as ``{"title", "svg"}`` items."""
    readings = metadata.get("confidenceMetrics")
    if not isinstance(readings, list):
        return []
    roc, pr = [], []
    for reading in readings:
        if not isinstance(reading, dict):
            continue
        fpr, recall, precision = (_number(reading.get(k)) for k in ("falsePositiveRate", "recall", "precision"))
        if fpr is not None and recall is not None:
            roc.append((fpr, recall))
        if recall is not None and precision is not None:
            pr.append((recall, precision))
    found = []
    if len(roc) >= 2:
        found.append({"title": "ROC curve", "svg": _curve(sorted(roc), "false positive rate", "true positive rate")})
    if len(pr) >= 2:
        found.append({"title": "Precision-recall", "svg": _curve(sorted(pr), "recall", "precision", diagonal=False)})
    return found


def _curve(points: list[tuple[float, float]], x_name: str, y_name: str, diagonal: bool = True) -> str:
    def at(x: float, y: float) -> str:
        x, y = min(max(x, 0.0), 1.0), min(max(y, 0.0), 1.0)
        return f"{MARGIN + x * CURVE_W:.1f},{MARGIN / 2 + (1 - y) * CURVE_H:.1f}"

    width, height = CURVE_W + MARGIN * 1.5, CURVE_H + MARGIN * 1.6
    line = " ".join(at(x, y) for x, y in points)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="curve" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{escape(y_name)} by {escape(x_name)}">',
        f'<rect x="{MARGIN}" y="{MARGIN / 2}" width="{CURVE_W}" height="{CURVE_H}" fill="#fff" stroke="#cfd8dc"/>',
    ]
    if diagonal:
        parts.append(f'<line x1="{MARGIN}" y1="{MARGIN / 2 + CURVE_H}" x2="{MARGIN + CURVE_W}" y2="{MARGIN / 2}" '
                     'stroke="#bdbdbd" stroke-dasharray="4 3"/>')  # fmt: skip
    parts += [
        f'<polyline class="curve-line" points="{line}" fill="none" stroke="#1565c0" stroke-width="2"/>',
        f'<text x="{MARGIN + CURVE_W / 2}" y="{height - 6:.0f}" text-anchor="middle" class="axis">'
        f"{escape(x_name)}</text>",
        f'<text x="12" y="{MARGIN / 2 + CURVE_H / 2}" text-anchor="middle" class="axis" '
        f'transform="rotate(-90 12 {MARGIN / 2 + CURVE_H / 2})">{escape(y_name)}</text>',
        f'<text x="{MARGIN - 4}" y="{MARGIN / 2 + CURVE_H + 4}" text-anchor="end" class="tick">0</text>',
        f'<text x="{MARGIN - 4}" y="{MARGIN / 2 + 4}" text-anchor="end" class="tick">1</text>',
        f'<text x="{MARGIN + CURVE_W}" y="{MARGIN / 2 + CURVE_H + 14}" text-anchor="middle" class="tick">1</text>',
        "</svg>",
    ]
    return "\n".join(parts)


def classification(metadata: dict[str, Any]) -> dict[str, Any] | None:
    """A confusion matrix and curves of one set of classification metrics (None when neither)."""
    matrix, drawn = confusion_matrix(metadata), curves(metadata)
    if matrix is None and not drawn:
        return None
    return {"matrix": matrix, "curves": drawn}


def visual(artifact_type: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
    """What the page draws for an artifact's metadata: one item per slice (one for unsliced)."""
    if artifact_type == CLASSIFICATION:
        found = classification(metadata)
        return [{"slice": None, **found}] if found else []
    if artifact_type == SLICED:
        drawn = []
        for entry in metadata.get("evaluationSlices") or []:
            if isinstance(entry, dict) and isinstance(entry.get("sliceClassificationMetrics"), dict):
                found = classification(entry["sliceClassificationMetrics"])
                if found:
                    drawn.append({"slice": str(entry.get("slice", "")), **found})
        return drawn
    return []
