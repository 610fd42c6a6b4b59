"""The one exception type meant for users, and the edge that turns it into one line."""

from __future__ import annotations

import sys
from collections.abc import Callable

from loguru import logger


class PipeFictionError(Exception):
    """An error the user can act on; its message is the whole story (no traceback shown)."""


def run_cli(main: Callable[[], int]) -> None:
    """Runs a script's ``main`` and exits with its code, or 1 with one clear line on a user error.

    Args:
        main: The script's entry point, returning its exit code.
    """
    # Lines a user or a tool waits for must not sit in a pipe's buffer until the run ends.
    sys.stdout.reconfigure(line_buffering=True)
    logger.remove()
    logger.add(sys.stderr, level="INFO", format="<level>{level: <7}</level> {message}")
    try:
        code = main()
    except PipeFictionError as error:
        logger.error(str(error))
        code = 1
    except KeyboardInterrupt:
        logger.warning("interrupted")
        code = 130
    sys.exit(code)
