"""Host ports: is one free before something (a container, a debugger, a port-forward) takes it."""

from __future__ import annotations

import errno
import socket

from utils.common.errors import PortInUseError


def ensure_free(port: int) -> None:
    """Raises PortInUseError if something already listens on ``port`` (any address) or it needs privileges.

    Args:
        port: The TCP port to check.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("0.0.0.0", port))
        except PermissionError:
            raise PortInUseError(port, privileged=True) from None
        except OSError as error:
            raise PortInUseError(port, privileged=error.errno == errno.EACCES) from None
