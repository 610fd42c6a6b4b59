"""Runs the pipeline locally, every task in a container of the project image.

The same image the cluster runs, on the local Docker engine: kfp and the package are baked
in, so tasks start with no pip install (and run with networking disabled: --no-network).
The pipeline's inputs are this script's options: ``python run_locally_in_docker.py --help``;
the image is ``PIPE_FICTION_IMAGE``. A file or folder of this machine that an argument names is
mounted read-only at the same path, so the subprocess script's command line works here unchanged.
"""

from __future__ import annotations

import argparse

from utils.common import settings
from utils.common.cli import run_cli
from utils.local.run import format_run
from utils.local.runners import docker_parser, run_in_containers
from utils.pipeline.discovery import load_pipeline
from utils.pipeline.types import Pipeline


def parse_args(argv: list[str] | None = None, pipeline: Pipeline | None = None) -> argparse.Namespace:
    """Parses the pipeline's arguments and the container options."""
    pipeline = pipeline or load_pipeline(settings.pipeline_spec())
    return docker_parser(__doc__.splitlines()[0], pipeline).parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Checks Docker, runs the pipeline in containers and prints its outputs; returns the exit code."""
    pipeline = load_pipeline(settings.pipeline_spec())
    result = run_in_containers(pipeline, parse_args(settings.command_line(argv), pipeline))
    print(format_run(result))
    result.check()
    return 0


if __name__ == "__main__":
    run_cli(main)
