"""Host ports: is one free before something (a container, a debugger, a port-forward) takes it."""

from __future__ import annotations

import socket

from utils.errors import PipeFictionError


class PortInUseError(PipeFictionError):
    """A host port the run needs is already taken."""

    def __init__(self, port: int | str) -> None:
        super().__init__(f"host port {port} is already in use: free it or choose another port")
        self.port = port


def ensure_free(port: int) -> None:
    """Raises PortInUseError if something already listens on ``port`` (any address).

    Args:
        port: The TCP port to check.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("0.0.0.0", port))
        except OSError:
            raise PortInUseError(port) from None
