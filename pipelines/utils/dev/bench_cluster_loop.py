"""The cluster figures of ``make bench``: from a one-line edit to a submitted run.

In a clone of the repository, ``make run-k8s`` submits to a loopback stand-in of the KFP API
(:mod:`utils.testing.fakes.kfp_api`: no cluster can run here), after a one-line edit in a
package module the first task does not import:

- with the code travelling in the tasks' commands (the default): no build, no push;
- the way it was before, with ``PIPE_FICTION_SHIP_CODE=0``: the full image rebuilt under a new
  tag first. Its push is not timed: no registry is reachable here, and a push's time depends
  on the network and the registry more than on anything the template does.

And for each path, how many tasks' commands or images changed: what a KFP backend's cache
misses on, so what a cluster reruns.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from utils.common.errors import PipeFictionError
from utils.common.paths import ROOT, codebase
from utils.dev.bench_inner_loop import append_line, module_to_change
from utils.docker.containers import docker_client
from utils.image.task_image import run_image, task_image
from utils.pipeline.types import Pipeline
from utils.task_code.imports import task_files
from utils.testing.fakes.kfp_api import FakeKfp
from utils.testing.repo_copies import built_images, clone, forget_images, make

OFF = {"PIPE_FICTION_SHIP_CODE": "0"}


def _make(copy: Path, *args: str, **env: str) -> tuple[float, str]:
    start = time.perf_counter()
    done = make(copy, "--no-print-directory", *args, timeout=1800, **env)
    if done.returncode != 0:
        raise PipeFictionError(f"make {' '.join(args)} failed in the clone:\n{(done.stdout + done.stderr)[-1500:]}")
    return time.perf_counter() - start, done.stdout


def _executors(server: FakeKfp, index: int) -> dict:
    body = json.loads(server.api_requests("POST", "/runs")[index]["body"])
    return body["pipeline_spec"]["deploymentSpec"]["executors"]


def _changed(before: dict, after: dict) -> int:
    """How many executors differ in command or image: the tasks a backend's cache would miss."""
    return sum(before[name]["container"] != after[name]["container"] for name in before)


def edit_to_submit(pipeline: Pipeline, rows: list[tuple[str, float]]) -> None:
    """Adds the edit-to-submit rows: tasks carrying their code, then an image rebuild."""
    files = task_files(pipeline)
    first = sorted(files.items(), key=lambda item: len(item[1]))[0][0]
    module = module_to_change(files, first) or next(iter(sorted(codebase().glob("*/*.py"))))
    built: list[str] = []
    server = FakeKfp()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            copy = clone(Path(tmp))
            url = {"KFP_HOST": server.url}
            print("bench: make run-k8s in a clone, to a loopback KFP API (setting it up first) ...", file=sys.stderr)
            _make(copy, "run-k8s", **url)  # 0: the code travelling
            built += built_images(_make(copy, "build-image", **OFF)[1])
            _make(copy, "run-k8s", **url, **OFF)  # 1: the code in the image
            append_line(copy / module.relative_to(ROOT))
            fast, _ = _make(copy, "run-k8s", **url)  # 2
            append_line(copy / module.relative_to(ROOT))
            rebuild, output = _make(copy, "build-image", **OFF)
            built += built_images(output)
            submit, _ = _make(copy, "run-k8s", **url, **OFF)  # 3
    finally:
        server.close()
        forget_images(docker_client(), built, [run_image(), task_image()])
    total = len(_executors(server, 0))
    carried = _changed(_executors(server, 0), _executors(server, 2))
    whole = _changed(_executors(server, 1), _executors(server, 3))
    rows.append((f"cluster: edit to submitted run, code in the tasks ({carried} of {total} tasks changed)", fast))
    rows.append(
        (f"cluster: the same, image rebuilt, push not timed ({whole} of {total} tasks changed)", rebuild + submit)
    )
