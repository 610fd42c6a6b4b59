"""Runs the pipeline locally, every task in a container of the project's image.

The same image and commands the cluster runs, on the local Docker engine: kfp and the
dependencies are baked in and each task carries your package's code (a code edit builds
nothing), so tasks start with no pip install (and run with networking disabled: --no-network).
The pipeline's inputs are this script's options: ``python run_locally_in_docker.py --help``;
the image is ``PIPE_FICTION_IMAGE``. A file or folder of this machine that an argument names is
mounted read-only at the same path, so the subprocess script's command line works here unchanged.
"""

from __future__ import annotations

import argparse

from utils.kfp_seams.lean_import import import_kfp_without_cluster_client

# Before anything imports kfp: a local run needs no cluster client (about 0.4 s a run).
import_kfp_without_cluster_client()

from utils.common import settings  # noqa: E402
from utils.common.cli import run_cli  # noqa: E402
from utils.local.run import format_run  # noqa: E402
from utils.local.runners import docker_parser, run_in_containers  # noqa: E402
from utils.pipeline.discovery import load_pipeline  # noqa: E402
from utils.pipeline.types import Pipeline  # noqa: E402


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
