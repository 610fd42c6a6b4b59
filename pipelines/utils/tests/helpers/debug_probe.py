"""A debuggable component that reports whether debugging touched its process."""

from utils.debugging.component import debuggable_component
from utils.image.task_image import task_image


@debuggable_component(base_image=task_image(), install_kfp_package=False)
def probe(port: int) -> dict:
    """Says whether debugpy was imported and whether anything listens on ``port``."""
    import socket
    import sys

    with socket.socket() as sock:
        sock.settimeout(1)
        port_open = sock.connect_ex(("127.0.0.1", port)) == 0
    return {"debugpy_imported": "debugpy" in sys.modules, "port_open": port_open}
