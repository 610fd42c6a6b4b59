"""Runs the demo pipeline locally, every task in a container of the project image.

The same image the cluster runs, on the local Docker engine: kfp and the package are baked
in, so tasks start with no pip install (and run with networking disabled: --no-network).
Usage: ``python run_locally_in_docker.py --help``; the image is ``PIPE_FICTION_IMAGE``.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from pipeline import demo_pipeline
from utils import settings
from utils.debug_options import add_debug_arguments, debug_environment, log_debug_target
from utils.docker_containers import check_image_present, check_ports_free, docker_client
from utils.docker_runner import docker_runner
from utils.errors import PipeFictionError, run_cli
from utils.local_run import (
    add_output_arguments,
    add_pipeline_arguments,
    format_result,
    pipeline_arguments,
    run_pipeline,
)

CONTAINER_DATA_DIR = "/data"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parses the pipeline arguments and the container options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_pipeline_arguments(parser)
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE", help="set in every task")
    parser.add_argument(
        "--data-dir", type=Path, default=settings.data_dir(), help="host folder mounted read-only at /data"
    )
    parser.add_argument("--no-network", action="store_true", help="run the tasks with networking disabled")
    add_output_arguments(parser)
    add_debug_arguments(parser)
    return parser.parse_args(argv)


def task_environment(pairs: list[str], debug_env: dict[str, str]) -> dict[str, str]:
    """The variables every task container gets: the data folder, the debugging ones, ``--env`` pairs."""
    env = {"PIPE_FICTION_DATA_DIR": CONTAINER_DATA_DIR, **debug_env}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise PipeFictionError(f"--env takes KEY=VALUE, got '{pair}'")
        env[key] = value
    return env


def main(argv: list[str] | None = None) -> int:
    """Checks Docker, runs the pipeline in containers and prints its summary; returns the exit code."""
    args = parse_args(argv)
    debug_env = debug_environment(args, demo_pipeline)
    # The debugged task listens on the same port number inside its container.
    ports = {f"{args.debug_port}/tcp": args.debug_port} if debug_env else None
    check_image_present(docker_client(), settings.image())
    check_ports_free(ports)
    extra: dict[str, str] = {"network_mode": "none"} if args.no_network else {}
    if os.getuid() != 0:
        # Outputs land in a bind mount: write them as the user, not as root.
        extra["user"] = f"{os.getuid()}:{os.getgid()}"
    runner = docker_runner(
        ports=ports,
        environment=task_environment(args.env, debug_env),
        volumes={str(args.data_dir): {"bind": CONTAINER_DATA_DIR, "mode": "ro"}},
        **extra,
    )
    if debug_env:
        log_debug_target(debug_env, "Pipeline: attach (docker)")
    result = run_pipeline(
        demo_pipeline,
        runner=runner,
        pipeline_root=settings.local_outputs_dir(),
        arguments=pipeline_arguments(args),
        verbose=args.verbose,
    )
    print(format_result(result))
    return 0


if __name__ == "__main__":
    run_cli(main)
