"""The run scripts' debugging options, and the ``KFP_DEBUG*`` variables they turn into."""

from __future__ import annotations

import argparse

from loguru import logger

from utils.common.arg_types import port, positive_seconds
from utils.debugging.component import DEBUGGERS, DEFAULT_PORT
from utils.kfp_seams.local_run import RunHooks, TaskRun
from utils.pipeline.task_graph import TaskGraph
from utils.pipeline.types import Pipeline


def add_debug_arguments(parser: argparse.ArgumentParser, title: str = "debugging") -> None:
    """Adds --debug TASK, --debug-port, --debugger and --debug-timeout to a run script's parser.

    Args:
        parser: The run script's parser.
        title: The heading of the group in ``--help``.
    """
    group = parser.add_argument_group(title)
    group.add_argument("--debug", metavar="TASK", action="append", default=[], help="task that waits for a debugger")
    group.add_argument("--debug-port", type=port, default=DEFAULT_PORT, help=f"its port (default {DEFAULT_PORT})")
    group.add_argument("--debugger", choices=DEBUGGERS, default="debugpy", help="default debugpy")
    group.add_argument("--debug-timeout", type=positive_seconds, help="seconds to wait for the debugger, then fail")


def debug_environment(args: argparse.Namespace, pipeline: Pipeline) -> dict[str, str]:
    """The ``KFP_DEBUG*`` variables that make exactly the tasks named by ``--debug`` wait for a debugger.

    ``KFP_DEBUG`` lists each task by the folder kfp.local gives its outputs (its own component's
    name), which is how a task recognises itself (:mod:`utils.debugging.bootstrap`).

    Raises:
        UnknownTaskError: If a named task is not in the pipeline.
    """
    if not args.debug:
        return {}
    tasks = TaskGraph(pipeline).find_all(args.debug)
    env = {
        "KFP_DEBUG": ",".join(task.folder for task in tasks),
        "KFP_DEBUG_PORT": str(args.debug_port),
        "KFP_DEBUGGER": args.debugger,
    }
    if args.debug_timeout:
        env["KFP_DEBUG_TIMEOUT"] = f"{args.debug_timeout:g}"
    return env


def check_task_names(pipeline: Pipeline, names: list[str]) -> None:
    """Raises UnknownTaskError, listing the pipeline's tasks, if a name is not one of them."""
    TaskGraph(pipeline).find_all(names)


def log_debug_target(args: argparse.Namespace, pipeline: Pipeline, attach_config: str) -> None:
    """Says which task will wait, on which port, and how to connect to it.

    Args:
        args: The run script's arguments (``--debug``, ``--debug-port``, ``--debugger``).
        pipeline: The pipeline being run.
        attach_config: The VS Code attach configuration for this mode (it connects to the default port).
    """
    graph = TaskGraph(pipeline)
    port = args.debug_port
    if args.debugger == "remote-pdb":
        how = f"connect with 'nc localhost {port}' (or telnet)"
    elif port == DEFAULT_PORT:
        how = f"VS Code: '{attach_config}'"
    else:
        how = f"attach a debugpy client to localhost:{port}; VS Code's '{attach_config}' uses {DEFAULT_PORT}"
    for node in graph.find_all(args.debug):
        where = " (its first loop iteration)" if graph.in_loop(node) else ""
        logger.info("task {}{} will wait for a debugger on localhost:{} ({})", graph.key(node), where, port, how)


class DebuggedTasks(RunHooks):
    """The run's hooks that keep published ports to the tasks ``KFP_DEBUG`` names (the first iteration of a loop's)."""

    def __init__(self, debug_env: dict[str, str]) -> None:
        """The tasks named in ``debug_env``'s ``KFP_DEBUG`` (none when it is empty)."""
        self._folders = {name for name in debug_env.get("KFP_DEBUG", "").split(",") if name}

    def publishes_ports(self, task: TaskRun) -> bool:
        """Only the task that waits for the debugger publishes its port (it listens there)."""
        return task.folder.rsplit("/", 1)[-1] in self._folders and not any(task.iteration)
