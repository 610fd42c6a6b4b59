"""A small Debug Adapter Protocol client that attaches to debugpy the way VS Code does.

Used by the debugging tests and by ``make bench`` (time to breakpoint). Every wait is bounded.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from typing import Any


class DapError(AssertionError):
    """The adapter did not answer as expected in time."""


class DapClient:
    """One DAP session over TCP: requests, their responses, and events, in arrival order."""

    def __init__(self, host: str, port: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._sock = socket.create_connection((host, port), timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise DapError(f"nothing accepted a DAP connection on {host}:{port} within {timeout} s") from None
                time.sleep(0.2)
        self._sock.settimeout(None)
        self._seq = 0
        self._messages: list[dict[str, Any]] = []
        self._cond = threading.Condition()
        self._closed = False
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self._sock.makefile("rb")
        try:
            while True:
                headers = {}
                while (line := stream.readline()) not in (b"\r\n", b""):
                    key, _, value = line.decode().partition(":")
                    headers[key.strip().lower()] = value.strip()
                if not headers:
                    break
                body = json.loads(stream.read(int(headers["content-length"])))
                with self._cond:
                    self._messages.append(body)
                    self._cond.notify_all()
        except OSError:
            pass
        finally:
            with self._cond:
                self._closed = True
                self._cond.notify_all()

    def send(self, command: str, **arguments: Any) -> int:
        """Sends a request and returns its sequence number (without waiting)."""
        self._seq += 1
        payload = json.dumps({"seq": self._seq, "type": "request", "command": command, "arguments": arguments})
        data = payload.encode()
        self._sock.sendall(b"Content-Length: %d\r\n\r\n" % len(data) + data)
        return self._seq

    def _wait(self, match: Any, what: str, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for i, message in enumerate(self._messages):
                    if match(message):
                        return self._messages.pop(i)
                left = deadline - time.monotonic()
                if left <= 0 or self._closed:
                    raise DapError(f"no {what} within {timeout} s")
                self._cond.wait(left)

    def response(self, seq: int, timeout: float = 30.0) -> dict[str, Any]:
        """Waits for the response to request ``seq``; raises DapError if it failed."""
        message = self._wait(lambda m: m.get("type") == "response" and m.get("request_seq") == seq, "response", timeout)
        if not message.get("success"):
            raise DapError(f"{message.get('command')} failed: {message.get('message')}")
        return message.get("body") or {}

    def request(self, command: str, timeout: float = 30.0, **arguments: Any) -> dict[str, Any]:
        """Sends a request and waits for its response body."""
        return self.response(self.send(command, **arguments), timeout)

    def event(self, name: str, timeout: float = 60.0) -> dict[str, Any]:
        """Waits for the next event called ``name`` and returns its body."""
        message = self._wait(lambda m: m.get("type") == "event" and m.get("event") == name, f"'{name}' event", timeout)
        return message.get("body") or {}

    def attach(self, breakpoints: dict[str, list[int]], path_mappings: list[dict[str, str]] | None = None) -> None:
        """Initialize, attach, set breakpoints (local paths) and finish configuration, as VS Code does."""
        self.request("initialize", clientID="vscode", adapterID="debugpy", pathFormat="path", linesStartAt1=True)
        attach = self.send("attach", justMyCode=False, pathMappings=path_mappings or [])
        self.event("initialized", timeout=30)
        for path, lines in breakpoints.items():
            body = self.request("setBreakpoints", source={"path": path}, breakpoints=[{"line": n} for n in lines])
            if not all(b.get("verified") for b in body["breakpoints"]):
                raise DapError(f"breakpoints not verified in {path}: {body['breakpoints']}")
        self.request("setExceptionBreakpoints", filters=[])
        self.request("configurationDone")
        self.response(attach)

    def top_frame(self, thread_id: int) -> dict[str, Any]:
        """The innermost stack frame of a stopped thread."""
        return self.request("stackTrace", threadId=thread_id, startFrame=0, levels=1)["stackFrames"][0]

    def locals(self, frame_id: int) -> dict[str, str]:
        """The local variables of a frame, name -> displayed value."""
        scopes = self.request("scopes", frameId=frame_id)["scopes"]
        ref = next(s["variablesReference"] for s in scopes if s["name"].lower().startswith("locals"))
        return {v["name"]: v["value"] for v in self.request("variables", variablesReference=ref)["variables"]}

    def evaluate(self, expression: str, frame_id: int) -> str:
        """Evaluates an expression in a frame, as the debug console does."""
        return self.request("evaluate", expression=expression, frameId=frame_id, context="repl")["result"]

    def close(self) -> None:
        """Disconnects, leaving the debuggee running."""
        with contextlib.suppress(DapError, OSError):
            self.request("disconnect", timeout=5, terminateDebuggee=False)
        self._sock.close()
