"""A call that must end within a number of seconds, whatever the other side does.

Socket timeouts bound each read, not a request: a server that sends one byte a second keeps a
request alive forever. :func:`call_within` runs the call in a daemon thread and stops waiting at
the deadline; the caller gets :class:`DeadlineExceeded` and the abandoned call ends with the process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class DeadlineExceeded(TimeoutError):
    """The call did not end within its deadline."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"no answer within {seconds:g} s")
        self.seconds = seconds


def call_within(seconds: float, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``function(*args, **kwargs)``, or DeadlineExceeded after ``seconds``.

    Raises:
        DeadlineExceeded: If it has not returned (or raised) in time.
    """
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = function(*args, **kwargs)
        except BaseException as error:  # handed to the caller's thread as it is
            outcome["error"] = error

    thread = threading.Thread(target=run, name=f"deadline-{getattr(function, '__name__', 'call')}", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise DeadlineExceeded(seconds)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
