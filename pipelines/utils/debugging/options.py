"""The run scripts' debugging options, and the ``KFP_DEBUG*`` variables they turn into."""

from __future__ import annotations

import argparse
from typing import Any

from loguru import logger

from utils.common.arg_types import port, positive_seconds
from utils.common.errors import PipeFictionError
from utils.debugging.component import DEBUGGERS, DEFAULT_PORT, normalise
from utils.pipeline.discovery import task_names


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


def debug_environment(args: argparse.Namespace, pipeline_func: Any) -> dict[str, str]:
    """The ``KFP_DEBUG*`` variables that make the tasks named by ``--debug`` wait for a debugger.

    Raises:
        PipeFictionError: If a named task is not in the pipeline.
    """
    if not args.debug:
        return {}
    check_task_names(pipeline_func, args.debug)
    env = {
        "KFP_DEBUG": ",".join(normalise(t) for t in args.debug),
        "KFP_DEBUG_PORT": str(args.debug_port),
        "KFP_DEBUGGER": args.debugger,
    }
    if args.debug_timeout:
        env["KFP_DEBUG_TIMEOUT"] = f"{args.debug_timeout:g}"
    return env


def check_task_names(pipeline_func: Any, names: list[str]) -> None:
    """Raises PipeFictionError, listing the pipeline's tasks, if a name is not one of them."""
    tasks = task_names(pipeline_func)
    unknown = [name for name in names if normalise(name) not in tasks]
    if unknown:
        raise PipeFictionError(f"no task {unknown[0]!r} in the pipeline; its tasks: {', '.join(tasks)}")


def log_debug_target(debug_env: dict[str, str], attach_config: str) -> None:
    """Says which task will wait, on which port, and how to connect to it.

    Args:
        debug_env: The ``KFP_DEBUG*`` variables of the run.
        attach_config: The VS Code attach configuration for this mode (it connects to the default port).
    """
    port = debug_env["KFP_DEBUG_PORT"]
    if debug_env["KFP_DEBUGGER"] == "remote-pdb":
        how = f"connect with 'nc localhost {port}' (or telnet)"
    elif port == str(DEFAULT_PORT):
        how = f"VS Code: '{attach_config}'"
    else:
        how = f"attach a debugpy client to localhost:{port}; VS Code's '{attach_config}' uses {DEFAULT_PORT}"
    logger.info("task {} will wait for a debugger on localhost:{} ({})", debug_env["KFP_DEBUG"], port, how)
