"""Compiles the pipeline and submits it to a Kubeflow Pipelines backend.

Where and how to connect comes from KFP_* variables or pipelines/.env (see .env.example).
The pipeline is pipeline.py's (or PIPE_FICTION_PIPELINE's); its inputs are this script's
options: ``python run_in_k8s_cluster.py --help``. ``--compile-only`` just writes the YAML.
Tasks carry the package modules they import and run the dependency image
(:mod:`utils.task_code.ship`), unless ``PIPE_FICTION_SHIP_CODE=0`` or the package cannot travel.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from loguru import logger

from utils.cluster.client import compile_pipeline, connect, run_link, session, submit, wait
from utils.common import arg_types, paths, settings
from utils.common.cli import run_cli
from utils.debugging.component import with_debugging
from utils.debugging.options import add_debug_arguments, check_task_names
from utils.image.push import push_warning
from utils.image.shipping import for_run
from utils.pipeline.arguments import add_pipeline_arguments, checked_arguments
from utils.pipeline.discovery import load_pipeline
from utils.pipeline.types import Pipeline


def parse_args(argv: list[str] | None = None, pipeline: Pipeline | None = None) -> argparse.Namespace:
    """Parses the pipeline's arguments and the submission options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    pipeline = pipeline or load_pipeline(settings.pipeline_spec())
    # Compiling needs no argument values: the run that uses the YAML gives them.
    command_line = settings.command_line(argv)
    compile_only = "--compile-only" in command_line
    add_pipeline_arguments(parser, pipeline, required=not compile_only, local="--local-arguments" in command_line)
    default_yaml = paths.PIPELINES_DIR / "build" / f"{pipeline.name}.yaml"
    parser.add_argument("--compile-only", action="store_true", help="write the pipeline YAML and stop")
    parser.add_argument(
        "--local-arguments", action="store_true", help="take the pipeline's LOCAL_ARGUMENTS where none is given"
    )
    parser.add_argument("--output", type=Path, default=default_yaml, help=f"the YAML's path (default {default_yaml})")
    parser.add_argument("--run-name", help="the run's display name")
    parser.add_argument("--no-cache", action="store_true", help="run every task, reusing no cached result")
    parser.add_argument("--wait", action="store_true", help="wait for the run; the exit code tells its final state")
    parser.add_argument(
        "--timeout", type=arg_types.positive_seconds, default=3600, help="seconds --wait waits (default 3600)"
    )
    parser.add_argument("--poll-interval", type=arg_types.poll_seconds, default=5.0, help="seconds between checks")
    parser.add_argument("--insecure-skip-tls-verify", action="store_true", help="do not verify TLS (warns)")
    add_debug_arguments(parser, "debugging (then: make debug-k8s RUN_ID=... TASK=...)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Compiles, then (unless --compile-only) submits and optionally waits; returns the exit code."""
    pipeline = load_pipeline(settings.pipeline_spec())
    args = parse_args(settings.command_line(argv), pipeline)
    arguments = {} if args.compile_only else checked_arguments(pipeline, args)
    check_task_names(pipeline, args.debug)
    pipeline = with_debugging(
        pipeline, args.debug, debug_port=args.debug_port, debugger=args.debugger, debug_timeout=args.debug_timeout
    )
    # Tasks carry their code where they can: a code edit then needs no image build and no push,
    # and changes only the commands (the backend's cache keys) of the tasks that run the edit.
    planned = for_run(pipeline)
    package = compile_pipeline(args.output, planned.pipeline)
    print(f"Compiled pipeline: {package}")
    if planned.carried:
        print(f"Image: {planned.image} (tasks bring their code: a code edit builds and pushes nothing)")
    else:
        print(f"Image: {planned.image}")
    if args.compile_only:
        return 0
    warning = push_warning(planned.image)
    if warning:
        logger.warning(warning)
    cluster = settings.cluster_settings()
    with session(settings.request_timeout()):
        client = connect(cluster, insecure=args.insecure_skip_tls_verify)
        run_id = submit(
            client, package, arguments, cluster, run_name=args.run_name, enable_caching=False if args.no_cache else None
        )
        print(f"Run id: {run_id}")
        print(f"Run details: {run_link(cluster, run_id)}")
        remote_pdb = args.debugger == "remote-pdb"
        then = "connect with 'nc localhost PORT'" if remote_pdb else "attach 'Pipeline: attach (cluster)'"
        for task in args.debug:
            print(f"Debug: make debug-k8s RUN_ID={run_id} TASK={task}, then {then}")
        if not args.wait:
            return 0
        state = wait(client, run_id, args.timeout, args.poll_interval)
    print(f"Run {run_id} finished: {state}")
    return 0 if state == "SUCCEEDED" else 1


if __name__ == "__main__":
    run_cli(main)
