"""Measures where the time of a local run goes: ``make bench`` (a benchmark, not a test).

Prints, from one run on this machine: the package's work called directly (the floor), the
subprocess and Docker runs' wall time and per-task overhead, the Docker time to breakpoint,
and the image rebuild time after a one-line package change (built from a temporary copy, so
the work tree is never touched).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import redirect_stdout
from io import StringIO
from pathlib import Path

from kfp import local

from pipe_fiction import DataGenerator, DataProcessor
from pipeline import demo_pipeline
from tests.debug_session import CODEBASE, debug_processor_run
from tests.helpers import free_port
from utils import arg_types, settings
from utils.docker_containers import check_image_present, docker_client
from utils.docker_runner import docker_runner
from utils.local_run import run_pipeline

ROOT = settings.PIPELINES_DIR.parent
TASKS = 3
ARGUMENTS = {"num_rows": 1000, "seed": 42, "noise": 0.1}


def floor() -> None:
    """The pipeline's real work, in this process, with the same CSV hand-offs."""
    with tempfile.TemporaryDirectory() as tmp:
        raw, processed = Path(tmp, "raw.csv"), Path(tmp, "processed.csv")
        DataGenerator(size=1000, seed=42, noise=0.1).generate().to_csv(raw, index=False)
        import pandas as pd

        processor = DataProcessor()
        processor.process(pd.read_csv(raw)).to_csv(processed, index=False)
        processor.summarize(pd.read_csv(processed))


def timed(action: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``repeat`` calls, with their output silenced."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        with redirect_stdout(StringIO()):
            action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def pipeline_run(runner_factory: Callable[[], object], root: Path) -> Callable[[], object]:
    """A call that runs the demo pipeline once with a fresh runner."""
    return lambda: run_pipeline(demo_pipeline, runner=runner_factory(), pipeline_root=root, arguments=ARGUMENTS)


def script_run(script: str) -> Callable[[], object]:
    """A call that runs a run script as a user would, interpreter start-up included."""
    return lambda: subprocess.run(
        [sys.executable, script, "--num-rows", "1000"], cwd=settings.PIPELINES_DIR, check=True, capture_output=True
    )


def docker_time_to_breakpoint() -> float:
    """Seconds from starting ``run_locally_in_docker.py --debug process-data`` to the DAP client's stop.

    The same session the tests drive: attach, stop at the task's first line, continue to a
    breakpoint in DataProcessor.clean (set by its local path, hit in the container).
    """
    port = free_port()
    mappings = [{"localRoot": str(CODEBASE), "remoteRoot": "/app"}]
    seen = debug_processor_run("run_locally_in_docker.py", port, num_rows=1000, path_mappings=mappings)
    if seen.exit_code != 0:
        raise SystemExit(f"the debugged Docker run failed:\n{seen.output[-2000:]}")
    return seen.seconds_to_breakpoint


def rebuild_seconds() -> float:
    """Time of ``make build-image`` after a one-line change, from a warm cache, on a copy of the package."""
    image = "pipe-fiction-bench:rebuild"
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp, "pipe-fiction-codebase")
        shutil.copytree(ROOT / "pipe-fiction-codebase", copy, ignore=shutil.ignore_patterns(".venv", "__pycache__"))

        def build() -> None:
            command = ["make", "-C", str(ROOT), "build-image", f"PKG={copy}", f"IMAGE={image}"]
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"make build-image failed:\n{(done.stdout + done.stderr)[-1500:]}")

        build()  # warm: every layer comes from the cache
        with open(copy / "pipe_fiction" / "data_processor.py", "a") as f:
            f.write("# a one-line change\n")
        start = time.perf_counter()
        build()
        seconds = time.perf_counter() - start
    subprocess.run(["docker", "image", "rm", image], capture_output=True)
    return seconds


def measure(rows: list[tuple[str, float]], name: str, seconds: Callable[[], float]) -> float:
    """Says what is being measured (a figure can take a while), measures it and adds its row."""
    print(f"bench: {name} ...", file=sys.stderr, flush=True)
    value = seconds()
    rows.append((name, value))
    return value


def main() -> int:
    """Runs every measurement and prints the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=arg_types.positive_int, default=3, help="runs per figure; the median is shown")
    args = parser.parse_args()
    rows: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.environ["PIPE_FICTION_OUTPUTS"] = str(root / "scripts")
        work = measure(rows, "package work in one process (floor)", lambda: timed(floor, args.repeat))
        check_image_present(docker_client(), settings.image())
        modes = (
            ("subprocess", lambda: local.SubprocessRunner(use_venv=False), "run_locally_in_subproc.py"),
            ("docker", lambda: docker_runner(network_mode="none"), "run_locally_in_docker.py"),
        )
        for mode, runner_factory, script in modes:
            run = pipeline_run(runner_factory, root)
            wall = measure(rows, f"{mode}: pipeline wall time", lambda run=run: timed(run, args.repeat))
            rows.append((f"{mode}: overhead per task", (wall - work) / TASKS))
            measure(rows, f"{mode}: `{script}`", lambda script=script: timed(script_run(script), 1))
    measure(rows, "docker: time to breakpoint (run start -> stopped)", docker_time_to_breakpoint)
    measure(rows, "image rebuild after a one-line change", rebuild_seconds)
    print(f"pipe-fiction benchmark: {TASKS} tasks, {ARGUMENTS['num_rows']} rows, median of {args.repeat} runs")
    for name, seconds in rows:
        print(f"  {name:<50} {seconds:6.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
