"""``make runs``: the recent local runs as a table, and ``runs.html`` comparing their metrics.

Reads the ``run.json`` every local run leaves in its folder (:mod:`utils.report.facts`), newest
first; the page puts the runs side by side (the KFP UI's compare view, locally), each linking
to its own run page.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from loguru import logger

from utils.common import settings
from utils.common.cli import run_cli
from utils.report.facts import FACTS, PAGE, format_time
from utils.report.page import environment
from utils.report.run_files import OUTSIDE, RunFiles
from utils.report.visuals import CLASSIFICATION, confusion_matrix

INDEX = "runs.html"
KEY_METRICS = 3  # metrics shown in the terminal table; the page shows them all
NO_METRICS = (
    "no run here has metrics to compare: a pipeline output of type Metrics (or a task's confusion matrix) gives them"
)


# What make runs reads of a run.json, and the type each must have.
_FIELDS: dict[str, type | tuple[type, ...]] = {
    "pipeline": str,
    "status": str,
    "started": (int, float),
    "seconds": (int, float),
    "arguments": dict,
    "metrics": dict,
}
MAX_FACTS_BYTES = 50_000_000


def read_run(path: Path, files: RunFiles) -> dict[str, Any] | str:
    """A run's ``run.json``, checked; or why it cannot be used (a line naming the folder).

    The file is read like a run page reads artifacts (:class:`RunFiles`): a ``run.json`` that is a
    link out of its run folder is never read.
    """
    folder = path.parent
    raw = files.read(path, MAX_FACTS_BYTES + 1)
    if raw == OUTSIDE:
        return f"{folder}: its {FACTS} is a link to outside the run, not read"
    if isinstance(raw, str) or len(raw) > MAX_FACTS_BYTES:
        return f"{folder}: its {FACTS} cannot be read, or is too large"
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return f"{folder}: its {FACTS} is not JSON"
    if not isinstance(data, dict):
        return f"{folder}: its {FACTS} is not a JSON object"
    for name, kind in _FIELDS.items():
        if not isinstance(data.get(name), kind) or isinstance(data.get(name), bool):
            return f"{folder}: its {FACTS} has no valid '{name}'"
    data["folder"] = str(folder)
    data["metrics"] = compared_metrics(data)
    return data


def compared_metrics(run: dict[str, Any]) -> dict[str, Any]:
    """What ``make runs`` compares of a run: its ``Metrics`` output, else the accuracy its confusion matrices imply.

    A pipeline without a ``Metrics`` output often logs a confusion matrix (``ClassificationMetrics``,
    in a task's outputs): its diagonal's share is compared, named after the task and output.
    """
    if run["metrics"]:
        return run["metrics"]
    derived = {}
    tasks = run.get("tasks") if isinstance(run.get("tasks"), list) else []
    for task in tasks:
        outputs = task.get("outputs") if isinstance(task, dict) else None
        for name, value in (outputs or {}).items() if isinstance(outputs, dict) else ():
            if isinstance(value, dict) and value.get("artifact") == CLASSIFICATION:
                matrix = confusion_matrix(value.get("metadata") or {})
                if matrix and matrix["accuracy"] is not None:
                    derived[f"accuracy ({task.get('name')}.{name})"] = round(matrix["accuracy"], 6)
    return derived


def load_runs(root: Path, limit: int | None = None) -> list[dict[str, Any]]:
    """The runs under ``root`` that left a usable ``run.json``, newest first; the others skipped with a warning."""
    files = RunFiles(root)
    runs = []
    for path in sorted(root.glob(f"*/{FACTS}")):
        found = read_run(path, files)
        if isinstance(found, str):
            logger.warning("skipped {}", found)
            continue
        runs.append(found)
    runs.sort(key=lambda r: r["started"], reverse=True)
    return runs[:limit] if limit else runs


def _arguments(run: dict[str, Any]) -> str:
    return " ".join(f"{k}={json.dumps(v)}" for k, v in run.get("arguments", {}).items())


def _when(run: dict[str, Any]) -> str:
    return format_time(run.get("started", 0))


def format_runs(runs: list[dict[str, Any]]) -> str:
    """The terminal table: time, pipeline, arguments, status, duration, the first metrics."""
    if not runs:
        return "No local runs yet: make run-subproc (or run-docker) makes one."
    rows = [("time", "pipeline", "arguments", "status", "seconds", "metrics")]
    for run in runs:
        metrics = sorted(run["metrics"].items())[:KEY_METRICS]
        shown = " ".join(f"{k}={v}" for k, v in metrics) + (" ..." if len(run["metrics"]) > KEY_METRICS else "")
        rows.append((_when(run), run["pipeline"], _arguments(run), run["status"], f"{run['seconds']:.2f}", shown))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    table = "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row[:-1], widths, strict=True)) + "  " + row[-1] for row in rows
    )
    return table if any(run["metrics"] for run in runs) else f"{table}\n({NO_METRICS})"


def write_index(runs: list[dict[str, Any]], root: Path) -> Path:
    """Writes ``runs.html`` into ``root``: the runs side by side with every metric; returns its path."""
    names = sorted({name for run in runs for name in run.get("metrics", {})})
    for run in runs:
        run["page"] = Path(run["folder"], PAGE).resolve().as_uri() if Path(run["folder"], PAGE).is_file() else None
        run["when"], run["argument_text"] = _when(run), _arguments(run)
    page = root / INDEX
    html = environment().get_template(INDEX).render(runs=runs, metrics=names, no_metrics=NO_METRICS)
    page.write_text(html, encoding="utf-8")
    return page


def main(argv: list[str] | None = None) -> int:
    """Prints the recent runs and writes the compare page; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=20, help="how many of the newest runs (default 20)")
    args = parser.parse_args(argv)
    root = settings.local_outputs_dir()
    runs = load_runs(root, args.limit) if root.is_dir() else []
    print(format_runs(runs))
    if runs:
        print(f"Compare page: {write_index(runs, root).as_uri()}")
    return 0


if __name__ == "__main__":
    run_cli(main)
