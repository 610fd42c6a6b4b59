"""The one exception type meant for users, and the edge that turns it into one line."""

from __future__ import annotations

import sys
from collections.abc import Callable

from loguru import logger

from utils.stopping import Stopped, stop_on_signals


class PipeFictionError(Exception):
    """An error the user can act on; its message is the whole story (no traceback shown)."""


def run_cli(main: Callable[[], int]) -> None:
    """Runs a script's ``main`` and exits with its code, or 1 with one clear line on a user error.

    Ctrl-C exits 130; SIGTERM and SIGHUP stop the run the same way and exit 128 + the signal.

    Args:
        main: The script's entry point, returning its exit code.
    """
    # Lines a user or a tool waits for must not sit in a pipe's buffer until the run ends.
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
        code = 1
    except Stopped as stopped:
        logger.warning("stopped by {}", stopped)
        code = stopped.exit_code
    except KeyboardInterrupt:
        logger.warning("interrupted")
        code = 130
    sys.exit(code)
