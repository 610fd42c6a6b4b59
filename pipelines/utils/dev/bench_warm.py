"""The warm-worker figures of ``make bench``: a task's start-up with a heavy import, fresh against warm.

Runs :func:`utils.dev.bench_pipelines.heavy_start` with ``run_locally_in_subproc.py`` (every task
run, none reused), once with a fresh Python per task (``--no-warm``) and once with warm workers,
and reads each task's time from the run's record: the tasks do nothing but import, so that time
is their start-up.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
from pathlib import Path

from utils.common.errors import PipeFictionError
from utils.testing.scripts import run_script

PIPELINE = "utils.dev.bench_pipelines:heavy_start"


def subprocess_run(pipeline: str, outputs: str, *options: str) -> None:
    """Runs ``pipeline`` with ``run_locally_in_subproc.py``, every task run, its run folder in ``outputs``.

    Raises:
        PipeFictionError: If the run fails (its output's end in the message).
    """
    done = run_script(
        "run_locally_in_subproc.py",
        "--no-cache",
        *options,
        PIPE_FICTION_PIPELINE=pipeline,
        PIPE_FICTION_OUTPUTS=outputs,
    )
    if done.returncode != 0:
        raise PipeFictionError(f"the bench run of {pipeline} failed:\n{(done.stdout + done.stderr)[-1500:]}")


def task_seconds(*options: str) -> float:
    """The median time of the heavy-import tasks in one run with ``options``."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess_run(PIPELINE, tmp, *options)
        (record,) = Path(tmp).glob("*/run.json")
        return statistics.median(task["seconds"] for task in json.loads(record.read_text())["tasks"])


def warm_start(rows: list[tuple[str, float]]) -> None:
    """Adds the per-task start-up rows: a fresh Python, then a warm worker."""
    print("bench: heavy-import task start-up, fresh and warm ...", file=sys.stderr, flush=True)
    fresh, warm = task_seconds("--no-warm"), task_seconds()
    rows.append(("subprocess: a task importing pandas + pyarrow, fresh Python (per task)", fresh))
    rows.append((f"subprocess: the same task from a warm worker ({warm / fresh:.0%} of fresh)", warm))
