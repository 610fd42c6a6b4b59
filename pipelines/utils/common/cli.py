"""The process edge of every command: output set up, signals turned into stops, errors into one line."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from loguru import logger

from utils.common.errors import PipeFictionError, UserCodeError
from utils.common.signals import Stopped, end_descendants, stop_on_signals


def _details(error: PipeFictionError) -> None:
    """Your own frames of an error in your code, after its one line (the whole traceback with --verbose)."""
    if not isinstance(error, UserCodeError):
        return
    verbose = "--verbose" in sys.argv[1:] + os.environ.get("PIPE_FICTION_ARGS", "").split()
    details = error.full if verbose else error.details
    if details:
        print(details, file=sys.stderr)


def run_cli(main: Callable[[], int]) -> None:
    """Runs a script's ``main`` and exits with its code, or 1 with one clear line on a user error.

    Sets the process up first: stdout flushed line by line (lines a user or a tool waits for
    must not sit in a pipe's buffer until the run ends), log lines as ``LEVEL message`` on
    stderr, and SIGTERM/SIGHUP stopping the run like Ctrl-C. Ctrl-C exits 130, a signal 128 + it.

    Args:
        main: The script's entry point, returning its exit code.
    """
    reconfigure = getattr(sys.stdout, "reconfigure", None)  # absent on a notebook's stream
    if reconfigure is not None:
        reconfigure(line_buffering=True)
    logger.remove()
    logger.add(sys.stderr, level="INFO", format="<level>{level: <7}</level> {message}")
    stop_on_signals()
    try:
        code = main()
    except PipeFictionError as error:
        logger.error(str(error))
        _details(error)
        code = 1
    except Stopped as stopped:
        logger.warning("stopped by {}", stopped)
        _exit_stopped(stopped.exit_code)
    except KeyboardInterrupt:
        # The tasks got Ctrl-C too, but one that ignores it (a debugger's wait, say) would keep a
        # worker thread of kfp's waiting on it, and this process from exiting.
        end_descendants()
        logger.warning("interrupted")
        _exit_stopped(130)
    sys.exit(code)


def _exit_stopped(code: int, grace: float = 5.0) -> None:
    """Exits a stopped run: its worker threads get ``grace`` seconds to end, then the process ends.

    The tasks are ended already; a thread of kfp's still waiting on one (or on its output) must
    not keep a stopped run alive, which Python's exit would wait for.
    """
    import threading
    import time

    deadline = time.monotonic() + grace
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join(max(deadline - time.monotonic(), 0))
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
