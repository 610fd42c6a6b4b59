"""The two local runners as the run scripts use them: their options, their checks, then one run.

``run_locally_in_subproc.py`` and ``run_locally_in_docker.py`` parse their options with
:func:`subprocess_parser` / :func:`docker_parser` and hand them to :func:`run_in_subprocesses` /
:func:`run_in_containers`, which check what the runner needs (a free debug port, an engine, the
image), build it, and run the pipeline once (:func:`utils.local.run.run_pipeline`).
"""

from __future__ import annotations

import argparse
import ipaddress
import os
from pathlib import Path

import kfp
from kfp import local
from loguru import logger

from utils.common import settings
from utils.common.errors import DockerError
from utils.common.ports import ensure_free
from utils.debugging.options import DebuggedTasks, add_debug_arguments, debug_environment, log_debug_target
from utils.docker.containers import check_image_present, check_ports_free, docker_client
from utils.docker.host_paths import host_paths, read_only_volumes
from utils.docker.runner import docker_runner
from utils.image.build import BuildError, build
from utils.image.shipping import for_run
from utils.image.tag import is_fingerprinted
from utils.local.options import add_run_arguments, env_pairs, reuse_options
from utils.local.run import LocalRunResult, run_pipeline
from utils.local.warm.pool import warm_workers
from utils.pipeline.arguments import add_pipeline_arguments, checked_arguments
from utils.pipeline.types import Pipeline
from utils.task_code.imports import pipeline_installed_imports

CONTAINER_DATA_DIR = "/data"
SUBPROCESS_ATTACH, DOCKER_ATTACH = "Pipeline: attach (subprocess)", "Pipeline: attach (docker)"


def subprocess_parser(description: str, pipeline: Pipeline) -> argparse.ArgumentParser:
    """The subprocess script's options: the pipeline's inputs, the run options, warm workers, debugging."""
    parser = argparse.ArgumentParser(description=description)
    add_pipeline_arguments(parser, pipeline)
    add_run_arguments(parser)
    parser.add_argument(
        "--no-warm",
        action="store_true",
        help="start every task in a fresh Python (default: forked from a parent that imported their libraries once)",
    )
    add_debug_arguments(parser)
    return parser


def docker_parser(description: str, pipeline: Pipeline) -> argparse.ArgumentParser:
    """The Docker script's options: the subprocess script's, the data folder, networking, publishing."""
    parser = argparse.ArgumentParser(description=description)
    add_pipeline_arguments(parser, pipeline)
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
    return parser


def run_in_subprocesses(pipeline: Pipeline, args: argparse.Namespace) -> LocalRunResult:
    """Runs the pipeline, every task in a subprocess of this Python; the result says whether it failed.

    Raises:
        PipeFictionError: If an argument or option is refused, or the debug port is taken.
    """
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
        log_debug_target(args, pipeline, SUBPROCESS_ATTACH)
    with warm_workers(lambda: pipeline_installed_imports(pipeline), enabled=not args.no_warm) as warm:
        return run_pipeline(
            pipeline,
            runner=local.SubprocessRunner(use_venv=False),
            pipeline_root=settings.local_outputs_dir(),
            arguments=arguments,
            verbose=args.verbose,
            reuse=reuse,
            check=False,
            hooks=[warm],
            max_parallel=args.max_parallel,
        )


def container_environment(pairs: list[str], debug_env: dict[str, str]) -> dict[str, str]:
    """The variables every task container gets: the data folder, the debugging ones, ``--env`` pairs."""
    env = {"PIPE_FICTION_DATA_DIR": CONTAINER_DATA_DIR, **debug_env}
    if debug_env:
        # The listener must take connections on the container's interface for Docker's port
        # publishing to reach it; the host side is published on loopback only.
        env["KFP_DEBUG_HOST"] = "0.0.0.0"
    return {**env, **env_pairs(pairs)}


def run_in_containers(pipeline: Pipeline, args: argparse.Namespace) -> LocalRunResult:
    """Runs the pipeline, every task in a container; the result says whether it failed.

    Tasks carry their code and run the dependency image where they can (:func:`for_run`), else
    the full image. Before anything runs: an engine must answer, the image be there (built when
    missing) and the debug port free. Every
    argument naming a file or folder of this machine is mounted read-only at the same path, so the
    same command line works in subprocess and Docker runs.

    Raises:
        PipeFictionError: If an argument or option is refused, or Docker, the image or the port
            is not ready.
    """
    arguments = checked_arguments(pipeline, args)
    debug_env = debug_environment(args, pipeline)
    address = str(args.debug_publish_address)
    if debug_env and not args.debug_publish_address.is_loopback:
        logger.warning("the debugger is published on {}: anyone who can reach it can run code in the task", address)
    # The debugged task listens on the same port number inside its container.
    ports = {f"{args.debug_port}/tcp": (address, args.debug_port)} if debug_env else None
    planned = for_run(pipeline)
    pipeline, image = planned.pipeline, planned.image
    client = docker_client()  # says in one line when no engine answers
    try:
        image_id = check_image_present(client, image)
    except DockerError:
        if not is_fingerprinted(image):  # an image of your own tag is used as it is: yours to build
            raise
        try:
            build(image, planned.stage, kfp.__version__)
        except BuildError as error:
            raise DockerError(str(error)) from None
        image_id = check_image_present(client, image)
    check_ports_free(ports)
    environment = container_environment(args.env, debug_env)
    # A tag of the user's own may be rebuilt under the same name: its content then keys the tasks.
    reuse = reuse_options(args, pipeline, environment, args.data_dir, None if is_fingerprinted(image) else image_id)
    root = settings.local_outputs_dir()
    volumes = {str(args.data_dir): {"bind": CONTAINER_DATA_DIR, "mode": "ro"}}
    # The data folder is at /data, not where it is on the host: a path into it is mounted too.
    volumes.update(read_only_volumes(host_paths(arguments, already_mounted=[root])))
    runner = docker_runner(
        ports=ports,
        environment=environment,
        volumes=volumes,
        **({"network_mode": "none"} if args.no_network else {}),
    )
    if debug_env:
        log_debug_target(args, pipeline, DOCKER_ATTACH)
    return run_pipeline(
        pipeline,
        runner,
        root,
        arguments,
        verbose=args.verbose,
        reuse=reuse,
        image=image,
        check=False,
        hooks=[DebuggedTasks(debug_env)] if debug_env else [],
        max_parallel=args.max_parallel,
    )
