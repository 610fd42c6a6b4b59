"""Runs a pipeline with kfp.local and reports the result; shared by the subprocess and Docker scripts."""

from __future__ import annotations

import argparse
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kfp import local

from utils import arg_types
from utils.console import task_output
from utils.errors import PipeFictionError

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_FAILED_TASK = re.compile(r"Inner task failed: '?([\w.-]+)'?")
# Expected here, so not worth a warning on every task: display names only show in the cluster
# UI (kfp >= 2.17 says so per task), and the subprocess runner uses this venv, not the image.
QUIET_WARNINGS = (
    r".*settings \['display_name'\] have no effect",
    r".*uses custom or non-Python base image",
)


class TaskFailedError(PipeFictionError):
    """A task of a local run finished with status FAILURE."""

    def __init__(self, task: str) -> None:
        super().__init__(f"task '{task}' failed; its log is above")
        self.task = task


@dataclass
class LocalRunResult:
    """What a successful local run produced.

    Attributes:
        metrics: The pipeline's output metrics (name -> value).
        run_dir: The folder holding every task's artifacts of this run.
        outputs: The pipeline's output artifacts by name.
    """

    metrics: dict[str, float]
    run_dir: Path
    outputs: dict[str, Any] = field(default_factory=dict)


def add_pipeline_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds the demo pipeline's arguments (--num-rows, --seed, --noise) to a run script's parser."""
    parser.add_argument("--num-rows", type=arg_types.positive_int, default=1000, help="rows to generate (default 1000)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument("--noise", type=arg_types.ratio, default=0.1, help="share of dirty rows, 0..1 (default 0.1)")


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds --verbose (kfp's executor lines, such as each task's executor input) to a local run script."""
    parser.add_argument("--verbose", action="store_true", help="also show kfp's executor lines (executor input)")


def pipeline_arguments(args: argparse.Namespace) -> dict[str, Any]:
    """Picks the demo pipeline's arguments out of parsed command-line arguments."""
    return {"num_rows": args.num_rows, "seed": args.seed, "noise": args.noise}


def run_pipeline(
    pipeline_func: Callable[..., Any],
    runner: local.SubprocessRunner | local.DockerRunner,
    pipeline_root: Path,
    arguments: dict[str, Any],
    verbose: bool = False,
) -> LocalRunResult:
    """Runs a whole pipeline locally with the given runner.

    Args:
        pipeline_func: A ``@dsl.pipeline`` function whose first output artifact is its metrics.
        runner: The kfp.local runner.
        pipeline_root: Absolute folder for the run's artifacts.
        arguments: The pipeline's arguments.
        verbose: Show kfp's executor lines (each task's executor input) too.

    Returns:
        The metrics and where the artifacts are.

    Raises:
        TaskFailedError: If a task fails (the message names it).
    """
    pipeline_root.mkdir(parents=True, exist_ok=True)
    local.init(runner=runner, pipeline_root=str(pipeline_root), raise_on_error=True)
    try:
        with warnings.catch_warnings(), task_output(verbose):
            for message in QUIET_WARNINGS:
                warnings.filterwarnings("ignore", message=message)
            task = pipeline_func(**arguments)
    except RuntimeError as error:
        message = _ANSI.sub("", str(error))
        match = _FAILED_TASK.search(message)
        if match is None:
            raise
        raise TaskFailedError(match.group(1)) from None
    outputs = dict(task.outputs)
    # A pipeline's single output is "Output" (kfp 2.7 adds the producing task's key beside it).
    metrics_artifact = outputs.get("Output") or next(iter(outputs.values()))
    # <root>/<pipeline-run>/<task>/<artifact>: the run folder is two levels up.
    run_dir = Path(metrics_artifact.path).parent.parent
    return LocalRunResult(metrics=dict(metrics_artifact.metadata), run_dir=run_dir, outputs=outputs)


def format_result(result: LocalRunResult) -> str:
    """Renders the metrics as an aligned table followed by the artifact folder."""
    width = max((len(name) for name in result.metrics), default=0)
    lines = ["Summary metrics:"]
    for name, value in sorted(result.metrics.items()):
        shown = int(value) if float(value).is_integer() else value
        lines.append(f"  {name:<{width}}  {shown}")
    lines.append(f"Artifacts: {result.run_dir}")
    return "\n".join(lines)
