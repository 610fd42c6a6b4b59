"""Runs the pipeline locally, every task in a subprocess of this venv's Python.

Fastest loop: no image, and edits under pipe-fiction-codebase/ show up in the next run (the
package is an editable install). The pipeline is pipeline.py's (or PIPE_FICTION_PIPELINE's);
its inputs are this script's options: ``python run_locally_in_subproc.py --help``.
"""

from __future__ import annotations

import argparse
import os

from kfp import local

from utils.common import settings
from utils.common.cli import run_cli
from utils.common.ports import ensure_free
from utils.debugging.options import add_debug_arguments, debug_environment, log_debug_target
from utils.local.options import add_run_arguments, env_pairs, reuse_options
from utils.local.run import format_run, run_pipeline
from utils.pipeline.arguments import add_pipeline_arguments, checked_arguments
from utils.pipeline.discovery import load_pipeline
from utils.pipeline.types import Pipeline


def parse_args(argv: list[str] | None = None, pipeline: Pipeline | None = None) -> argparse.Namespace:
    """Parses the pipeline's arguments and the run options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_pipeline_arguments(parser, pipeline or load_pipeline(settings.pipeline_spec()))
    add_run_arguments(parser)
    add_debug_arguments(parser)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Runs the pipeline and prints its outputs; returns the exit code."""
    pipeline = load_pipeline(settings.pipeline_spec())
    args = parse_args(settings.command_line(argv), pipeline)
    arguments = checked_arguments(pipeline, args)
    debug_env = debug_environment(args, pipeline)
    task_env = env_pairs(args.env)
    reuse = reuse_options(args, pipeline, task_env, settings.data_dir())
    # Tasks inherit this environment: their own prints then reach the terminal as they happen.
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    os.environ.update(task_env)
    if debug_env:
        ensure_free(args.debug_port)
        os.environ.update(debug_env)
        log_debug_target(args, pipeline, "Pipeline: attach (subprocess)")
    result = run_pipeline(
        pipeline,
        runner=local.SubprocessRunner(use_venv=False),
        pipeline_root=settings.local_outputs_dir(),
        arguments=arguments,
        verbose=args.verbose,
        reuse=reuse,
        check=False,
    )
    print(format_run(result))
    result.check()
    return 0


if __name__ == "__main__":
    run_cli(main)
