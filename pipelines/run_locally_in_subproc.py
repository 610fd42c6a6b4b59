"""Runs the demo pipeline locally, every task in a subprocess of this venv's Python.

Fastest loop: no image, and edits under pipe-fiction-codebase/ show up in the next
run (the package is an editable install). Usage: ``python run_locally_in_subproc.py --help``.
"""

from __future__ import annotations

import argparse
import os

from kfp import local

from pipeline import demo_pipeline
from utils import settings
from utils.debug_options import add_debug_arguments, debug_environment, log_debug_target
from utils.errors import run_cli
from utils.local_run import (
    add_output_arguments,
    add_pipeline_arguments,
    format_result,
    pipeline_arguments,
    run_pipeline,
)
from utils.ports import ensure_free


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parses the pipeline arguments."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_pipeline_arguments(parser)
    add_output_arguments(parser)
    add_debug_arguments(parser)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Runs the pipeline and prints its summary; returns the exit code."""
    args = parse_args(argv)
    debug_env = debug_environment(args, demo_pipeline)
    # Tasks inherit this environment: their own prints then reach the terminal as they happen.
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    if debug_env:
        ensure_free(args.debug_port)
        # Task subprocesses inherit this process's environment.
        os.environ.update(debug_env)
        log_debug_target(debug_env, "Pipeline: attach (subprocess)")
    result = run_pipeline(
        demo_pipeline,
        runner=local.SubprocessRunner(use_venv=False),
        pipeline_root=settings.local_outputs_dir(),
        arguments=pipeline_arguments(args),
        verbose=args.verbose,
    )
    print(format_result(result))
    return 0


if __name__ == "__main__":
    run_cli(main)
