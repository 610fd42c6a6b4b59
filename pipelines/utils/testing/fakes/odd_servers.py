"""Loopback servers that are not what they should be: HTML to everything, or a stalled API."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Handler(BaseHTTPRequestHandler):
    mode = "html"

    def log_message(self, *args):  # quiet
        pass

    def _answer(self) -> None:
        if self.mode == "drip":
            # Headers at once, then the body one byte a second: every read is quick, the whole never.
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            with contextlib.suppress(OSError):
                for _ in range(120):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(1)
            return
        if self.mode == "stall" and self.path.endswith("/healthz"):
            body, kind = json.dumps({"commit_sha": "x", "tag_name": "2.5.0", "multi_user": False}), "application/json"
        elif self.mode == "stall":
            time.sleep(30)  # accepted, never answered in time (bounded, so the thread ends)
            return
        else:
            body, kind = "<html><body>Sign in</body></html>", "text/html; charset=utf-8"
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _answer


@contextlib.contextmanager
def odd_server(mode: str) -> Iterator[str]:
    """A misbehaving server on 127.0.0.1; yields its URL.

    ``html``: HTML to everything; ``stall``: answers only its health check; ``drip``: everything
    one byte a second.
    """
    handler = type("Handler", (_Handler,), {"mode": mode})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
