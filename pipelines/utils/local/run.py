"""Runs a pipeline with kfp.local, records what each task did, and leaves its page; for both local scripts.

:func:`run_pipeline` prints nothing but the tasks' own output (kfp relays it live); the scripts
print :func:`format_run` of its result.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kfp import local
from loguru import logger

from utils.common import settings
from utils.common.errors import TaskFailedError
from utils.common.signals import end_descendants
from utils.kfp_seams.docker import remove_running_containers
from utils.kfp_seams.local_run import Combined, RunHooks, hooked
from utils.kfp_seams.output import quiet_kfp_warnings, routed, thread_safe_output
from utils.kfp_seams.parallel_dags import default_parallelism, scheduled
from utils.local.console import TaskOutputFilter
from utils.local.platform import PlatformHooks, local_platform, say_notices
from utils.local.record import RunRecorder, TaskRecord, format_table
from utils.local.reuse import ReuseOptions, TaskReuse, init_options, notice, supported
from utils.pipeline.task_graph import TaskGraph
from utils.pipeline.types import Pipeline
from utils.report.facts import RunFacts, metrics_of
from utils.report.write import write as write_run
from utils.task_code.bytecode import drop_stale_bytecode
from utils.task_code.imports import task_files

# What ends the tasks still running when a run is stopped: their processes, their containers.
_STOP_TASKS = (end_descendants, remove_running_containers)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_FAILED_TASK = re.compile(r"Inner task failed: '?([\w.-]+)'?")
_MISSING_PATH = re.compile(r"(?:FileNotFoundError|No such file or directory)[^\n]*?'(/[^'\n]+)'")


@dataclass
class LocalRunResult:
    """What a local run produced.

    Attributes:
        outputs: The pipeline's outputs by name: parameter values and artifacts ({} when it failed).
        run_dir: The folder holding every task's artifacts of this run.
        tasks: What happened to each task (ran, reused, failed), in the order they ended.
        page: The run page (``index.html`` in the run folder), None if it could not be written.
        failed_task: The task that failed the run, None when it succeeded.
        hint: What to do about the failure, where it can be told (a path missing in a container).
    """

    outputs: dict[str, Any]
    run_dir: Path
    tasks: list[TaskRecord] = field(default_factory=list)
    page: Path | None = None
    failed_task: str | None = None
    hint: str | None = None

    @property
    def metrics(self) -> dict[str, float]:
        """The values of the pipeline's first ``Metrics`` output ({} when it has none)."""
        return metrics_of(self.outputs)

    def check(self) -> LocalRunResult:
        """Returns the result of a run that succeeded.

        Raises:
            TaskFailedError: If a task failed (naming it; the result rides along as ``.result``).
        """
        if self.failed_task:
            raise TaskFailedError(self.failed_task, result=self, hint=self.hint)
        return self


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
    pipeline: Pipeline,
    runner: local.SubprocessRunner | local.DockerRunner,
    pipeline_root: Path,
    arguments: dict[str, Any],
    verbose: bool = False,
    reuse: ReuseOptions | None = None,
    image: str | None = None,
    check: bool = True,
    hooks: Sequence[RunHooks] = (),
    max_parallel: int | None = None,
) -> LocalRunResult:
    """Runs a whole pipeline locally with the given runner, and writes its run page.

    Args:
        pipeline: A ``@dsl.pipeline``, with any outputs (or none).
        runner: The kfp.local runner.
        pipeline_root: Absolute folder for the run's artifacts.
        arguments: The pipeline's arguments.
        verbose: Show kfp's executor lines (each task's executor input) too.
        reuse: Whether and how to reuse unchanged tasks (None: every task runs).
        image: The image the tasks run in (Docker runs), for the run page.
        check: Raise when a task fails (else the result says so in ``failed_task``).
        hooks: More of the run's hooks (the warm workers of a subprocess run).
        max_parallel: At most this many tasks at once, independent ones started as soon as they
            are ready (None: the machine's cores; ``KFP_OWN_LOOPS``: kfp's own loops, untouched).

    Returns:
        The outputs, where the artifacts are, and what happened to each task.

    Raises:
        TaskFailedError: If a task fails and ``check`` (the message names it).
    """
    root = init_local(runner, pipeline_root, reuse)
    if line := notice(reuse):
        logger.info(line)
    kind = "docker" if isinstance(runner, local.DockerRunner) else "subprocess"
    if kind == "subprocess":  # tasks import your files from this tree (a container, from its image)
        drop_stale_bytecode(set().union(*task_files(pipeline).values()))
    no_reuse = None if reuse is not None and reuse.enabled and supported() else _why_no_reuse(reuse)
    recorder = RunRecorder(TaskGraph(pipeline), root, no_reuse)
    reusing = [] if no_reuse else [TaskReuse(reuse, kind, pipeline.name, recorder.name)]
    platform = local_platform(pipeline, settings.local_kubernetes_dir())
    say_notices(platform)
    console = TaskOutputFilter(verbose=verbose, tee=recorder.capture)
    failed_task, task, started = None, None, time.time()
    try:
        with (
            quiet_kfp_warnings(),
            routed(console.on),
            thread_safe_output(),
            hooked(Combined(recorder, console, PlatformHooks(platform), *reusing, *hooks)),
            scheduled(default_parallelism() if max_parallel is None else max_parallel, on_stop=_STOP_TASKS),
        ):
            task = pipeline(**arguments)
    except RuntimeError as error:
        # The failed task as the run recorded it; kfp's message otherwise.
        match = _FAILED_TASK.search(_ANSI.sub("", str(error)))
        failed_task = recorder.failed_task() or (match.group(1) if match else None)
        if failed_task is None:
            raise
    declared = list((pipeline.component_spec.outputs or {}).keys())
    produced = dict(getattr(task, "outputs", None) or {})
    # Only the declared outputs: kfp 2.7 adds the producing task's key beside "Output".
    outputs = {name: produced[name] for name in declared if name in produced}
    # A run whose every task was reused wrote nothing, so kfp made no folder for it.
    run_dir = root / recorder.run_name if recorder.run_name else root
    run_dir.mkdir(exist_ok=True)
    facts = RunFacts(pipeline, arguments, kind, image, started, recorder.records, outputs, failed_task)
    hint = missing_path_hint(recorder.records, failed_task, in_container=kind == "docker") if failed_task else None
    result = LocalRunResult(outputs, run_dir, recorder.records, write_run(facts, run_dir), failed_task, hint)
    return result.check() if check else result


def _why_no_reuse(reuse: ReuseOptions | None) -> str:
    if reuse is None or not reuse.enabled:
        return "reuse off (--no-cache)"
    return "no local task cache before kfp 2.17"


def missing_path_hint(records: list[TaskRecord], failed_task: str, in_container: bool) -> str | None:
    """What to do when the failed task could not find a file: one line, or None if it was not that."""
    record = next((r for r in records if r.name == failed_task), None)
    match = _MISSING_PATH.search(record.log) if record is not None else None
    if match is None:
        return None
    path = match.group(1)
    if not in_container or not os.path.exists(path):
        return f"it could not find {path}, which does not exist on this machine"
    return (
        f"it could not find {path}, which is on this machine but not in its container: name it in a "
        "pipeline argument (such a path is mounted read-only where it is) or put it in the data folder "
        "(--data-dir, /data in the container)"
    )


def format_run(result: LocalRunResult) -> str:
    """What a run script prints when the run ends: the task table, then the outputs, folder and page."""
    lines = [format_table(result.tasks)]
    if result.failed_task:
        if result.page is not None:
            lines.append(f"Run page: {result.page.as_uri()}")
    else:
        lines.append(format_result(result))
    return "\n".join(lines)


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
