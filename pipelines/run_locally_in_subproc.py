"""Runs the pipeline locally, every task in a subprocess of this venv's Python.

Fastest loop: no image, and edits under pipe-fiction-codebase/ show up in the next run (the
package is an editable install). The pipeline is pipeline.py's (or PIPE_FICTION_PIPELINE's);
its inputs are this script's options: ``python run_locally_in_subproc.py --help``.
"""

from __future__ import annotations

import argparse

from utils.kfp_seams.lean_import import import_kfp_without_cluster_client

# Before anything imports kfp: a local run needs no cluster client (about 0.4 s a run).
import_kfp_without_cluster_client()

from utils.common import settings  # noqa: E402
from utils.common.cli import run_cli  # noqa: E402
from utils.local.run import format_run  # noqa: E402
from utils.local.runners import run_in_subprocesses, subprocess_parser  # noqa: E402
from utils.pipeline.discovery import load_pipeline  # noqa: E402
from utils.pipeline.types import Pipeline  # noqa: E402


def parse_args(argv: list[str] | None = None, pipeline: Pipeline | None = None) -> argparse.Namespace:
    """Parses the pipeline's arguments and the run options."""
    pipeline = pipeline or load_pipeline(settings.pipeline_spec())
    return subprocess_parser(__doc__.splitlines()[0], pipeline).parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Runs the pipeline and prints its outputs; returns the exit code."""
    pipeline = load_pipeline(settings.pipeline_spec())
    result = run_in_subprocesses(pipeline, parse_args(settings.command_line(argv), pipeline))
    print(format_run(result))
    result.check()
    return 0


if __name__ == "__main__":
    run_cli(main)
