"""The figures of ``make bench`` for tasks at once: the fan-out, and whole runs before and after.

The fan-out (:func:`utils.dev.bench_pipelines.fan_out`: four independent tasks waiting 2 s each,
then a join) runs with ``run_locally_in_subproc.py`` one task at a time and with four at once;
the target is the longest branch plus the run's start-up (the same run with 0 s waits), within
1.3 times. Then the demo and the examples, start to exit, as they ran before this machinery (a
fresh Python per task, one task at a time: ``--no-warm --max-parallel 1``) and as they run now
(the defaults: warm workers, independent tasks at once).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time

from utils.dev.bench_warm import subprocess_run
from utils.kfp_seams.versions import kfp_version

FAN_OUT = "utils.dev.bench_pipelines:fan_out"
WAIT = 2.0
WHOLE_RUNS = ("pipeline", "examples.control_flow", "examples.task_settings", "examples.kubernetes_settings")


def script_seconds(pipeline: str, *options: str, repeat: int = 3) -> float:
    """Median wall time of ``run_locally_in_subproc.py`` on ``pipeline``, every task run, start to exit."""
    return statistics.median(_script_seconds(pipeline, *options) for _ in range(repeat))


def _script_seconds(pipeline: str, *options: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        subprocess_run(pipeline, tmp, *options)
        return time.perf_counter() - start


def tasks_at_once(rows: list[tuple[str, float]], repeat: int = 3) -> None:
    """Adds the fan-out rows and the whole-run rows, medians of ``repeat`` runs (kfp >= 2.17 only)."""
    if kfp_version() < (2, 17):
        print("bench: tasks at once need kfp >= 2.17, skipped", file=sys.stderr, flush=True)
        return
    print("bench: fan-out, one task at a time and four at once ...", file=sys.stderr, flush=True)
    one = script_seconds(FAN_OUT, "--max-parallel", "1", repeat=1)  # 8 s and more: once is enough
    four = script_seconds(FAN_OUT, "--max-parallel", "4", repeat=repeat)
    start_up = script_seconds(FAN_OUT, "--max-parallel", "4", "--seconds", "0", repeat=repeat)
    target = WAIT + start_up
    rows.append((f"fan-out (4 x {WAIT:g} s waits, then a join), one task at a time", one))
    rows.append((f"fan-out, --max-parallel 4 ({four / target:.2f}x the longest branch + start-up)", four))
    rows.append(("fan-out's start-up: the same run with 0 s waits, --max-parallel 4", start_up))
    for pipeline in WHOLE_RUNS:
        print(f"bench: {pipeline}, before and after ...", file=sys.stderr, flush=True)
        before = script_seconds(pipeline, "--no-warm", "--max-parallel", "1", repeat=repeat)
        after = script_seconds(pipeline, repeat=repeat)
        rows.append((f"{pipeline}: whole run, fresh Python per task, one at a time", before))
        rows.append((f"{pipeline}: whole run, warm workers, tasks at once ({after / before:.0%})", after))
