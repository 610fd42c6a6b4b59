"""Measures where the time of a local run goes: ``make bench`` (a benchmark, not a test).

Runs whatever pipeline the scripts run (pipeline.py's, or ``PIPELINE=``) with its defaults and
prints: the subprocess and Docker runs' wall time and time per task, each run script start to
exit, the Docker time to the debugger's first stop, and the image rebuild time after a one-line
change in the package (built from a temporary copy, so the work tree is never touched).

Then a task's start-up with a heavy import, fresh and warm (:mod:`utils.dev.bench_warm`), and
tasks at once (:mod:`utils.dev.bench_parallel`): a fan-out, and whole runs before and after.

Then the inner loop (:mod:`utils.dev.bench_inner_loop`): a rerun after a one-line change next to
a full run, and ``make run-docker`` after a change and after none; and the cluster loop
(:mod:`utils.dev.bench_cluster_loop`): a one-line edit to a submitted run, with and without an
image rebuild.
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
from typing import Any

from kfp import local

from utils.common import arg_types, paths, settings
from utils.common.cli import run_cli
from utils.common.errors import PipeFictionError
from utils.dev.bench_cluster_loop import edit_to_submit
from utils.dev.bench_inner_loop import rerun_after_a_change, run_docker_after_a_change
from utils.dev.bench_parallel import tasks_at_once
from utils.dev.bench_warm import warm_start
from utils.docker.containers import check_image_present, docker_client
from utils.docker.runner import docker_runner
from utils.image.task_image import run_image, task_image
from utils.local.run import run_pipeline
from utils.pipeline.arguments import local_arguments
from utils.pipeline.discovery import load_pipeline, task_names
from utils.pipeline.types import Pipeline
from utils.testing.debug_session import free_port, seconds_to_first_stop


def timed(action: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``repeat`` calls, with their output silenced."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        with redirect_stdout(StringIO()):
            action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def defaults(pipeline: Pipeline) -> dict[str, Any]:
    """The arguments a bench runs the pipeline with: its defaults, then ``LOCAL_ARGUMENTS``; one for every input."""
    inputs = pipeline.component_spec.inputs or {}
    values = {name: spec.default for name, spec in inputs.items() if spec.default is not None}
    values.update(local_arguments(pipeline))
    missing = [name for name, spec in inputs.items() if name not in values and not spec.optional]
    if missing:
        raise PipeFictionError(f"make bench needs a value for {', '.join(missing)}: add it to LOCAL_ARGUMENTS")
    return values


def script_run(script: str) -> Callable[[], object]:
    """A call that runs a run script as a user would, interpreter start-up included."""
    return lambda: subprocess.run([sys.executable, script], cwd=paths.PIPELINES_DIR, check=True, capture_output=True)


def rebuild_seconds() -> float:
    """Time of ``make build-image`` after a one-line change, from a warm cache, on a copy of the package."""
    image = "pipe-fiction-bench:rebuild"
    codebase = paths.codebase()
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp, codebase.name)
        shutil.copytree(codebase, copy, ignore=shutil.ignore_patterns(".venv", "__pycache__", "tests"))

        def build() -> None:
            done = subprocess.run(["make", "-C", str(paths.ROOT), "build-image", f"PKG={copy}", f"IMAGE={image}"],
                                  text=True, capture_output=True)  # fmt: skip
            if done.returncode != 0:
                raise PipeFictionError(f"make build-image failed:\n{(done.stdout + done.stderr)[-1500:]}")

        build()  # warm: every layer comes from the cache
        module = sorted(p for p in copy.glob("*/*.py") if p.name != "__init__.py")[0]
        with open(module, "a") as f:
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
    pipeline = load_pipeline(settings.pipeline_spec())
    arguments, tasks = defaults(pipeline), task_names(pipeline)
    for image in dict.fromkeys([task_image(), run_image()]):
        check_image_present(docker_client(), image)
    rows: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["PIPE_FICTION_OUTPUTS"] = str(Path(tmp) / "scripts")
        modes = (
            ("subprocess", lambda: local.SubprocessRunner(use_venv=False), "run_locally_in_subproc.py"),
            ("docker", lambda: docker_runner(network_mode="none"), "run_locally_in_docker.py"),
        )
        for mode, runner, script in modes:

            def run(runner: Callable[[], Any] = runner) -> object:
                return run_pipeline(pipeline, runner=runner(), pipeline_root=Path(tmp), arguments=arguments)

            wall = measure(rows, f"{mode}: pipeline wall time", lambda run=run: timed(run, args.repeat))
            rows.append((f"{mode}: per task ({len(tasks)} tasks)", wall / len(tasks)))
            measure(rows, f"{mode}: `{script}`, start to exit", lambda script=script: timed(script_run(script), 1))
        measure(
            rows,
            f"docker: time to the debugger's first stop ({tasks[0]})",
            lambda: seconds_to_first_stop("run_locally_in_docker.py", tasks[0], free_port()),
        )
    warm_start(rows)
    tasks_at_once(rows, args.repeat)
    measure(rows, "full image rebuild after a one-line change", rebuild_seconds)
    module = sys.modules[pipeline.pipeline_func.__module__]
    rerun_after_a_change(pipeline, {**arguments, **getattr(module, "BENCH_ARGUMENTS", {})}, rows)
    run_docker_after_a_change(pipeline, rows)
    edit_to_submit(pipeline, rows)
    print(f"{pipeline.name}: {len(tasks)} tasks, default arguments, median of {args.repeat} runs")
    for name, seconds in rows:
        print(f"  {name:<96} {seconds:6.2f} s")
    return 0


if __name__ == "__main__":
    run_cli(main)
