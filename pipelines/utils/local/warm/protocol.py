"""What a task's client and the warm parent say to each other, over a Unix socket (standard library only).

Imported alone by the client (no ``utils`` package, no ``typing``: each costs every task milliseconds).

The client sends a header (the payload's length) with its standard input, output and error as
file descriptors, then the payload: JSON of the task's arguments, variables and folder. The
parent answers, when the task's process has ended, with its exit code as 4 bytes (128 + N for
a task killed by signal N, as a shell reports it).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket

_HEADER = 8
STREAMS = 3


def send_request(connection: socket.socket, request: dict[str, object], fds: list[int]) -> None:
    """Sends a task's request and its standard streams."""
    payload = json.dumps(request).encode("utf-8")
    socket.send_fds(connection, [len(payload).to_bytes(_HEADER, "big")], fds)
    connection.sendall(payload)


def receive_request(connection: socket.socket) -> tuple[dict[str, object], list[int]]:
    """A task's request and its standard streams' descriptors (yours to close)."""
    header, fds, _, _ = socket.recv_fds(connection, _HEADER, STREAMS)
    if len(header) != _HEADER or len(fds) != STREAMS:
        for fd in fds:
            _close(fd)
        raise ConnectionError("an incomplete request")
    payload = _exactly(connection, int.from_bytes(header, "big"))
    return json.loads(payload), list(fds)


def send_exit_code(connection: socket.socket, code: int) -> None:
    """Tells the client how its task ended."""
    connection.sendall((code & 0xFFFFFFFF).to_bytes(4, "big"))


def receive_exit_code(connection: socket.socket) -> int | None:
    """How the task ended; None if the parent went away without saying."""
    try:
        data = _exactly(connection, 4)
    except ConnectionError:
        return None
    return int.from_bytes(data, "big")


def _exactly(connection: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = connection.recv(min(left, 1 << 16))
        if not chunk:
            raise ConnectionError("closed early")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _close(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)
