"""The options every local run script shares: output, task variables and reusing tasks."""

from __future__ import annotations

import argparse
from pathlib import Path

from utils.common.arg_types import checked
from utils.common.errors import PipeFictionError
from utils.kfp_seams.parallel_dags import default_parallelism
from utils.local.reuse import ReuseOptions, folder_stamp
from utils.pipeline.task_graph import TaskGraph
from utils.pipeline.types import Pipeline

# Debugging variables differ between a debug run and a plain one, but not the tasks' results.
_NOT_KEYED = ("KFP_DEBUG", "PYDEVD_")


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds --verbose, --env KEY=VALUE, --max-parallel N, --no-cache and --rerun TASK to a local run script's parser."""
    parser.add_argument("--verbose", action="store_true", help="also show kfp's executor lines (executor input)")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE", help="set in every task")
    parser.add_argument(
        "--max-parallel",
        type=checked("a number of tasks (1 or more)", int, lambda n: n >= 1),
        default=default_parallelism(),
        metavar="N",
        help="run up to N independent tasks at once (default: this machine's cores, %(default)s; kfp >= 2.17)",
    )
    group = parser.add_argument_group("reusing unchanged tasks (kfp >= 2.17)")
    group.add_argument("--no-cache", action="store_true", help="run every task, reusing none")
    group.add_argument(
        "--rerun", metavar="TASK", action="append", default=[], help="run this task and what depends on it"
    )


def env_pairs(pairs: list[str]) -> dict[str, str]:
    """The ``--env KEY=VALUE`` pairs as a dict.

    Raises:
        PipeFictionError: If one is not KEY=VALUE.
    """
    env = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise PipeFictionError(f"--env takes KEY=VALUE, got '{pair}'")
        env[key] = value
    return env


def reuse_options(
    args: argparse.Namespace,
    pipeline: Pipeline,
    environment: dict[str, str] | None = None,
    data_dir: Path | None = None,
    image_id: str | None = None,
) -> ReuseOptions:
    """The reuse options of a run from its script's arguments (``--debug`` tasks always run).

    Args:
        args: The script's arguments (``--rerun``, ``--no-cache``, ``--debug``).
        pipeline: The ``@dsl.pipeline`` being run.
        environment: The variables the script sets in every task.
        data_dir: The data folder the tasks see (its path and its files' state go into the keys).
        image_id: The task image's content id, where its tag is not a fingerprint.

    Raises:
        UnknownTaskError: If ``--rerun`` or ``--debug`` names a task the pipeline does not have.
    """
    graph = TaskGraph(pipeline)
    named = graph.find_all([*args.rerun, *getattr(args, "debug", [])])
    forced = frozenset(node.component for node in graph.downstream(named))
    keyed = {k: v for k, v in (environment or {}).items() if not k.startswith(_NOT_KEYED)}
    inputs = {"DATA_DIR": folder_stamp(data_dir)} if data_dir is not None else {}
    return ReuseOptions(not args.no_cache, forced, keyed, inputs, image_id)
