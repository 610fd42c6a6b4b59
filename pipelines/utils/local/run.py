"""Runs a pipeline with kfp.local and reports the result; shared by the subprocess and Docker scripts."""

from __future__ import annotations

import inspect
import json
import re
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kfp import local
from loguru import logger

from utils.common import settings
from utils.common.errors import TaskFailedError
from utils.image.task_image import task_image
from utils.local.console import task_output
from utils.local.record import TaskRecord, format_table, recording, recording_failures
from utils.local.reuse import ReuseOptions, init_options, keyed_on_code, notice
from utils.report.facts import RunFacts, metrics_of
from utils.report.facts import write as write_run

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_FAILED_TASK = re.compile(r"Inner task failed: '?([\w.-]+)'?")
# Expected here, so not worth a warning on every task: display names only show in the cluster
# UI (kfp >= 2.17 says so per task), and the subprocess runner uses this venv, not the image.
QUIET_WARNINGS = (
    r".*settings \['display_name'\] have no effect",
    r".*uses custom or non-Python base image",
)


@dataclass
class LocalRunResult:
    """What a successful local run produced.

    Attributes:
        outputs: The pipeline's outputs by name: parameter values and artifacts.
        run_dir: The folder holding every task's artifacts of this run.
        tasks: What happened to each task (ran, reused), in the order they started.
        page: The run page (``index.html`` in the run folder), None if it could not be written.
    """

    outputs: dict[str, Any]
    run_dir: Path
    tasks: list[TaskRecord] = field(default_factory=list)
    page: Path | None = None

    @property
    def metrics(self) -> dict[str, float]:
        """The values of the pipeline's first ``Metrics`` output ({} when it has none)."""
        return metrics_of(self.outputs)


def init_local(
    runner: local.SubprocessRunner | local.DockerRunner,
    pipeline_root: Path | None = None,
    reuse: ReuseOptions | None = None,
) -> Path:
    """``kfp.local.init`` with an absolute pipeline root and, where kfp has one, a kept workspace.

    kfp >= 2.17 makes a new ``kfp-workspace-*`` folder in the system temp directory on every
    ``init`` that names no ``workspace_root``, and never removes it: hundreds pile up over a day
    of runs. Here the workspace is one folder inside the pipeline root, reused by every run.

    Args:
        runner: The kfp.local runner.
        pipeline_root: Folder for the runs' artifacts (default: ``settings.local_outputs_dir()``).
        reuse: Whether and how to reuse unchanged tasks (None: kfp's default, no reuse).

    Returns:
        The pipeline root, created if missing.
    """
    root = Path(pipeline_root or settings.local_outputs_dir()).expanduser().resolve()
    root.mkdir(parents=True, exist_ok=True)
    options: dict[str, Any] = init_options(reuse)
    if "workspace_root" in inspect.signature(local.init).parameters:
        workspace = root / ".kfp-workspace"
        workspace.mkdir(exist_ok=True)
        options["workspace_root"] = str(workspace)
    local.init(runner=runner, pipeline_root=str(root), raise_on_error=True, **options)
    return root


def run_pipeline(
    pipeline_func: Callable[..., Any],
    runner: local.SubprocessRunner | local.DockerRunner,
    pipeline_root: Path,
    arguments: dict[str, Any],
    verbose: bool = False,
    reuse: ReuseOptions | None = None,
) -> LocalRunResult:
    """Runs a whole pipeline locally with the given runner.

    Args:
        pipeline_func: A ``@dsl.pipeline``, with any outputs (or none).
        runner: The kfp.local runner.
        pipeline_root: Absolute folder for the run's artifacts.
        arguments: The pipeline's arguments.
        verbose: Show kfp's executor lines (each task's executor input) too.
        reuse: Whether and how to reuse unchanged tasks (None: every task runs).

    Returns:
        The outputs, where the artifacts are, and what happened to each task (also printed as a
        table when the run ends, failed or not).

    Raises:
        TaskFailedError: If a task fails (the message names it).
    """
    root = init_local(runner, pipeline_root, reuse)
    if line := notice(reuse):
        logger.info(line)
    kind = "docker" if isinstance(runner, local.DockerRunner) else "subprocess"
    failed: list[str] = []
    failed_task, task, started = None, None, time.time()
    try:
        with (
            warnings.catch_warnings(),
            recording(pipeline_func) as recorder,
            task_output(verbose, tee=recorder.capture),
            recording_failures(failed),
            keyed_on_code(reuse, kind, recorder.reused),
        ):
            for message in QUIET_WARNINGS:
                warnings.filterwarnings("ignore", message=message)
            task = pipeline_func(**arguments)
    except RuntimeError as error:
        # The failed task from kfp's own fail stack (innermost first); its message otherwise.
        match = _FAILED_TASK.search(_ANSI.sub("", str(error)))
        if not failed and match is None:
            raise
        failed_task = failed[0] if failed else match.group(1)
    declared = list((pipeline_func.component_spec.outputs or {}).keys())
    produced = dict(getattr(task, "outputs", None) or {})
    # Only the declared outputs: kfp 2.7 adds the producing task's key beside "Output".
    outputs = {name: produced[name] for name in declared if name in produced}
    # A run whose every task was reused wrote nothing, so kfp made no folder for it.
    run_dir = root / recorder.run_name if recorder.run_name else root
    run_dir.mkdir(exist_ok=True)
    print(format_table(recorder.records), flush=True)
    image = task_image() if kind == "docker" else None
    facts = RunFacts(pipeline_func, arguments, kind, image, started, recorder.records, outputs, failed_task)
    page = write_run(facts, run_dir)
    if failed_task:
        if page is not None:
            print(f"Run page: {page.as_uri()}", flush=True)
        raise TaskFailedError(failed_task)
    return LocalRunResult(outputs=outputs, run_dir=run_dir, tasks=recorder.records, page=page)


def format_result(result: LocalRunResult) -> str:
    """Renders every pipeline output (values, artifact paths and their metadata), then the run folder."""
    lines = ["Pipeline outputs:" if result.outputs else "Pipeline outputs: none"]
    for name, value in result.outputs.items():
        if hasattr(value, "uri"):
            lines.append(f"  {name}: {type(value).__name__} at {getattr(value, 'path', value.uri)}")
            lines.extend(_table(dict(value.metadata), indent="    "))
        else:
            lines.append(f"  {name}: {_shown(value)}")
    lines.append(f"Run folder: {result.run_dir}")
    if result.page is not None:
        lines.append(f"Run page: {result.page.as_uri()}")
    return "\n".join(lines)


def _shown(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return json.dumps(value) if isinstance(value, list | dict | bool | str) else str(value)


def _table(values: dict[str, Any], indent: str) -> list[str]:
    width = max((len(name) for name in values), default=0)
    return [f"{indent}{name:<{width}}  {_shown(value)}" for name, value in sorted(values.items())]
