"""The inner-loop figures of ``make bench``: what a one-line change costs the next run.

- A full run with the pipeline module's ``BENCH_ARGUMENTS`` (if it defines them: inputs that
  make the first task slow), a one-line change in a package module the first task does not
  import (found from the tasks' imports), and the rerun, which reuses the first task. The
  change is made in a copy of the package put first on the import path: the work tree is
  never touched.
- ``make run-docker`` in a clone of the repository right after a one-line change (the code
  travelling with the tasks: nothing built; then with ``PIPE_FICTION_SHIP_CODE=0``: the full
  image rebuilt) and after no change (nothing built).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from contextlib import redirect_stdout
from io import StringIO
from pathlib import Path
from typing import Any

from kfp import local

from utils.common.errors import PipeFictionError
from utils.common.paths import ROOT, codebase
from utils.docker.containers import docker_client
from utils.image.task_image import run_image, task_image
from utils.local.reuse import ReuseOptions, supported
from utils.local.run import LocalRunResult, run_pipeline
from utils.pipeline.types import Pipeline
from utils.task_code.imports import task_files
from utils.testing.repo_copies import built_images, clone, forget_images, make


def module_to_change(files: dict[str, set[Path]], first_task: str) -> Path | None:
    """The package module imported by the most tasks, but not by ``first_task`` (None if there is none).

    Args:
        files: Each task's files (:func:`utils.task_code.imports.task_files`).
        first_task: The task to keep unchanged.
    """
    counts: dict[Path, int] = {}
    for task, paths in files.items():
        for path in paths:
            if task != first_task and path.is_relative_to(codebase()) and path.name != "__init__.py":
                counts[path] = counts.get(path, 0) + 1
    candidates = [path for path in counts if path not in files.get(first_task, set())]
    return max(sorted(candidates), key=counts.__getitem__, default=None)


def append_line(path: Path) -> None:
    """A one-line change: a comment at the end of the file."""
    with open(path, "a") as f:
        f.write("\n# a one-line change\n")


def rerun_after_a_change(pipeline: Pipeline, arguments: dict[str, Any], rows: list[tuple[str, float]]) -> None:
    """Full run, one-line change in a module the first task does not import, rerun; adds their rows."""
    if not supported():
        print("bench: reusing tasks needs kfp 2.17 or newer; no rerun figures", file=sys.stderr)
        return
    files = task_files(pipeline)  # before the copy shadows the package
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp, "src")
        for package in {p.relative_to(codebase()).parts[0] for paths in files.values() for p in paths
                        if p.is_relative_to(codebase())}:  # fmt: skip
            shutil.copytree(codebase() / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
        saved = dict(os.environ)
        path = os.pathsep.join(filter(None, [str(source), os.environ.get("PYTHONPATH")]))
        os.environ.update(PIPE_FICTION_CACHE_DIR=str(Path(tmp, "cache")), PYTHONPATH=path)
        sys.path.insert(0, str(source))
        try:

            def run() -> LocalRunResult:
                print(f"bench: run with {arguments} ...", file=sys.stderr, flush=True)
                runner = local.SubprocessRunner(use_venv=False)
                with redirect_stdout(StringIO()):
                    return run_pipeline(pipeline, runner, Path(tmp, "out"), arguments, reuse=ReuseOptions())

            full = run()
            first = min(full.tasks, key=lambda r: r.started)
            module = module_to_change(files, first.name)
            if module is None:
                print(f"bench: every package module is imported by {first.name}; no rerun figure", file=sys.stderr)
                return
            append_line(source / module.relative_to(codebase()))
            rerun = run()
        finally:
            sys.path.remove(str(source))
            os.environ.clear()
            os.environ.update(saved)
    reused = ", ".join(r.name for r in rerun.tasks if r.outcome == "reused") or "none"
    rows.append((f"full run with BENCH_ARGUMENTS ({first.name}: {first.seconds:.2f} s)", wall(full)))
    rows.append((f"rerun after a change in {module.name} (reused: {reused})", wall(rerun)))


def wall(result: LocalRunResult) -> float:
    """From the first task's start to the last one's end."""
    return max(r.started + r.seconds for r in result.tasks) - min(r.started for r in result.tasks)


def run_docker_after_a_change(pipeline: Pipeline, rows: list[tuple[str, float]]) -> None:
    """``make run-docker`` in a clone right after a one-line change, and after none.

    After the change twice: with the code travelling in the tasks (nothing built), then in the
    full image (``PIPE_FICTION_SHIP_CODE=0``: rebuilt).
    """
    files = task_files(pipeline)
    first = sorted(files.items(), key=lambda item: len(item[1]))[0][0]
    module = module_to_change(files, first) or next(iter(sorted(codebase().glob("*/*.py"))))
    built: list[str] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            copy = clone(Path(tmp))
            print("bench: make run-docker in a clone (setting it up first) ...", file=sys.stderr, flush=True)
            timed_make(copy)
            append_line(copy / module.relative_to(ROOT))
            carried, _ = timed_make(copy)
            unchanged, _ = timed_make(copy)
            # The same with the code in the image: a run of that kind first (its own cache keys).
            built += timed_make(copy, PIPE_FICTION_SHIP_CODE="0")[1]
            append_line(copy / module.relative_to(ROOT))
            rebuilt, images = timed_make(copy, PIPE_FICTION_SHIP_CODE="0")
            built += images
    finally:
        forget_images(docker_client(), built, [run_image(), task_image()])
    rows.append((f"`make run-docker` right after a change in {module.name} (code in the tasks, no build)", carried))
    rows.append((f"`make run-docker` right after a change in {module.name} (code in the image: rebuild)", rebuilt))
    rows.append(("`make run-docker` after no change (no build, all reused)", unchanged))


def timed_make(copy: Path, **env: str) -> tuple[float, list[str]]:
    """Seconds of ``make run-docker`` in a copy, and the images it built."""
    start = time.perf_counter()
    done = make(copy, "run-docker", timeout=900, **env)
    if done.returncode != 0:
        raise PipeFictionError(f"make run-docker failed in the clone:\n{(done.stdout + done.stderr)[-1500:]}")
    return time.perf_counter() - start, built_images(done.stdout)
