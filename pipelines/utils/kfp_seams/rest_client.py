"""kfp.Client's REST calls, bounded: its generated API client sends every request without a timeout.

A server that accepts a connection and never answers would hang the script forever, and one that
answers a byte at a time would outlast any read timeout. The seam gives each request made inside
:func:`bounded_requests` a connect and read timeout (unless the caller gave one) and a deadline for
the whole request, and is undone afterwards.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from utils.common.deadline import call_within
from utils.kfp_seams.seam import Seam, arguments, call_with

REQUEST = Seam(
    "kfp_server_api.rest",
    "RESTClientObject.request",
    since=(2, 7),
    until=None,
    parameters=("self", "method", "url", "_request_timeout"),
    why="kfp's generated REST client sends requests with no timeout",
)
SEAMS = (REQUEST,)


@contextlib.contextmanager
def bounded_requests(seconds: float, margin: float = 2.0) -> Iterator[None]:
    """Bounds every KFP API request made inside the block: each read by ``seconds``, the whole by ``seconds + margin``.

    A request over its deadline raises :class:`~utils.common.deadline.DeadlineExceeded` (a ``TimeoutError``).
    """

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def request(*args: Any, **kwargs: Any) -> Any:
            values = arguments(original, args, kwargs)
            values["_request_timeout"] = values.get("_request_timeout") or (seconds, seconds)
            return call_within(seconds + margin, call_with, original, values)

        return request

    with REQUEST.replaced(make):
        yield
