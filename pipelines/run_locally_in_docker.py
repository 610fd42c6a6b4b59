"""Runs the pipeline locally, every task in a container of the project image.

The same image the cluster runs, on the local Docker engine: kfp and the package are baked
in, so tasks start with no pip install (and run with networking disabled: --no-network).
The pipeline's inputs are this script's options: ``python run_locally_in_docker.py --help``;
the image is ``PIPE_FICTION_IMAGE``.
"""

from __future__ import annotations

import argparse
import ipaddress
from pathlib import Path

from loguru import logger

from utils.common import settings
from utils.common.cli import run_cli
from utils.debugging.options import add_debug_arguments, debug_environment, log_debug_target
from utils.docker.containers import check_image_present, check_ports_free, docker_client
from utils.docker.runner import docker_runner
from utils.image.tag import is_fingerprinted
from utils.image.task_image import task_image
from utils.local.options import add_run_arguments, env_pairs, reuse_options
from utils.local.run import format_run, run_pipeline
from utils.pipeline.arguments import add_pipeline_arguments, checked_arguments
from utils.pipeline.discovery import load_pipeline
from utils.pipeline.types import Pipeline

CONTAINER_DATA_DIR = "/data"


def parse_args(argv: list[str] | None = None, pipeline: Pipeline | None = None) -> argparse.Namespace:
    """Parses the pipeline's arguments and the container options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_pipeline_arguments(parser, pipeline or load_pipeline(settings.pipeline_spec()))
    parser.add_argument(
        "--data-dir", type=Path, default=settings.data_dir(), help="host folder mounted read-only at /data"
    )
    parser.add_argument("--no-network", action="store_true", help="run the tasks with networking disabled")
    add_run_arguments(parser)
    add_debug_arguments(parser)
    parser.add_argument(
        "--debug-publish-address",
        type=ipaddress.ip_address,
        default=ipaddress.ip_address("127.0.0.1"),
        metavar="ADDRESS",
        help="host address the debug port is published on (default 127.0.0.1; anything else exposes "
        "the debugger, which runs any code it is sent, to that network)",
    )
    return parser.parse_args(argv)


def task_environment(pairs: list[str], debug_env: dict[str, str]) -> dict[str, str]:
    """The variables every task container gets: the data folder, the debugging ones, ``--env`` pairs."""
    env = {"PIPE_FICTION_DATA_DIR": CONTAINER_DATA_DIR, **debug_env}
    if debug_env:
        # The listener must take connections on the container's interface for Docker's port
        # publishing to reach it; the host side is published on loopback only (see main).
        env["KFP_DEBUG_HOST"] = "0.0.0.0"
    return {**env, **env_pairs(pairs)}


def main(argv: list[str] | None = None) -> int:
    """Checks Docker, runs the pipeline in containers and prints its outputs; returns the exit code."""
    pipeline = load_pipeline(settings.pipeline_spec())
    args = parse_args(settings.command_line(argv), pipeline)
    arguments = checked_arguments(pipeline, args)
    debug_env = debug_environment(args, pipeline)
    address = str(args.debug_publish_address)
    if debug_env and not args.debug_publish_address.is_loopback:
        logger.warning("the debugger is published on {}: anyone who can reach it can run code in the task", address)
    # The debugged task listens on the same port number inside its container.
    ports = {f"{args.debug_port}/tcp": (address, args.debug_port)} if debug_env else None
    image = task_image()
    image_id = check_image_present(docker_client(), image)
    check_ports_free(ports)
    extra: dict[str, str] = {"network_mode": "none"} if args.no_network else {}
    environment = task_environment(args.env, debug_env)
    # A tag of the user's own may be rebuilt under the same name: its content then keys the tasks.
    reuse = reuse_options(args, pipeline, environment, args.data_dir, None if is_fingerprinted(image) else image_id)
    runner = docker_runner(
        ports=ports,
        environment=environment,
        volumes={str(args.data_dir): {"bind": CONTAINER_DATA_DIR, "mode": "ro"}},
        **extra,
    )
    if debug_env:
        log_debug_target(args, pipeline, "Pipeline: attach (docker)")
    result = run_pipeline(
        pipeline,
        runner=runner,
        pipeline_root=settings.local_outputs_dir(),
        arguments=arguments,
        verbose=args.verbose,
        reuse=reuse,
        image=image,
        check=False,
    )
    print(format_run(result))
    result.check()
    return 0


if __name__ == "__main__":
    run_cli(main)
