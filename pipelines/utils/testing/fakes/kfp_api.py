"""A loopback server that answers the KFP v2beta1 REST calls kfp.Client makes, behind a chosen auth.

Runs in a thread on 127.0.0.1 (HTTP, or HTTPS with a given ssl context), records every request,
and also serves the fake identity routes (:mod:`utils.testing.fakes.identity`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from utils.testing.fakes.identity import SESSION_COOKIE, Identity, parse_form

API = "/apis/v2beta1"
PREFIX = "/pipeline"  # a full Kubeflow serves KFP under /pipeline; a standalone one at the root


@dataclass
class KfpState:
    """What the fake backend holds and which credentials it accepts."""

    auth: str = "none"  # none | bearer | cookie
    bearer: set[str] = field(default_factory=set)  # accepted tokens (empty: any Identity token)
    run_states: list[str] = field(default_factory=lambda: ["RUNNING", "SUCCEEDED"])
    experiments: dict[str, dict] = field(default_factory=dict)
    runs: dict[str, dict] = field(default_factory=dict)
    requests: list[dict] = field(default_factory=list)
    identity: Identity = field(default_factory=Identity)
    on_get_run: Callable[[], None] | None = None
    forbidden: set[str] = field(default_factory=set)  # "POST /runs": answered 403

    def authorised(self, headers: Any, cookies: dict) -> bool:
        """Whether a request's credentials pass the chosen auth."""
        if self.auth == "none":
            return True
        if self.auth == "cookie":
            return cookies.get(SESSION_COOKIE) in self.identity.sessions
        token = (headers.get("Authorization") or "").removeprefix("Bearer ")
        return token in (self.bearer or set(self.identity.tokens))


class Handler(BaseHTTPRequestHandler):
    """Answers as the KFP API does (``state``: what it holds and accepts)."""

    state: KfpState

    def log_message(self, *args: Any) -> None:  # noqa: D102  (keeps test output clean)
        pass

    def reply(self, code: int, body: str, kind: str = "json", headers: dict | None = None) -> bool:
        """Sends a whole answer."""
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/html" if kind == "html" else "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)
        return True

    def redirect(self, location: str, code: int = 302, headers: dict | None = None) -> bool:
        """Sends a redirect."""
        return self.reply(code, "", "html", {"Location": location, **(headers or {})})

    def do_GET(self) -> None:  # noqa: D102
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: D102
        self._handle("POST")

    def _handle(self, method: str) -> None:
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        cookies = {k: v.value for k, v in SimpleCookie(self.headers.get("Cookie") or "").items()}
        query, path = parse_qs(url.query), url.path.removeprefix(PREFIX) or "/"
        record = {"method": method, "path": path, "query": query, "headers": dict(self.headers), "body": body}
        self.state.requests.append(record)
        if self.state.identity.route(self, method, path, query, parse_form(body)):
            return
        if not path.startswith(API):
            if self.state.auth == "cookie":
                self.state.identity.browser_page(self, cookies)
            else:
                self.reply(200, "<html>Kubeflow Pipelines</html>", "html")
            return
        if not self.state.authorised(self.headers, cookies):
            self.reply(401, json.dumps({"error": "unauthenticated", "code": 16}))
            return
        if f"{method} {path.removeprefix(API)}" in self.state.forbidden:
            self.reply(403, json.dumps({"error": "forbidden", "code": 7}))
            return
        self._api(method, path.removeprefix(API), query, json.loads(body) if body else {})

    def _api(self, method: str, path: str, query: dict, body: dict) -> None:
        state = self.state
        if path == "/healthz":
            self.reply(200, json.dumps({"commit_sha": "fake", "tag_name": "2.5.0", "multi_user": False}))
        elif path == "/experiments" and method == "GET":
            predicates = json.loads(query.get("filter", ["{}"])[0]).get("predicates", [])
            names = {p.get("string_value") or p.get("stringValue") for p in predicates}
            found = [e for e in state.experiments.values() if not names or e["display_name"] in names]
            self.reply(200, json.dumps({"experiments": found, "total_size": len(found)} if found else {}))
        elif path == "/experiments" and method == "POST":
            experiment = {**body, "experiment_id": f"exp-{len(state.experiments) + 1}"}
            state.experiments[experiment["experiment_id"]] = experiment
            self.reply(200, json.dumps(experiment))
        elif path == "/runs" and method == "POST":
            run = {**body, "run_id": f"run-{len(state.runs) + 1}", "state": "PENDING"}
            state.runs[run["run_id"]] = run
            self.reply(200, json.dumps(run))
        elif path.startswith("/runs/") and method == "GET" and path[6:] in state.runs:
            if state.on_get_run:
                state.on_get_run()
            run = state.runs[path[6:]]
            run["state"] = state.run_states.pop(0) if len(state.run_states) > 1 else state.run_states[0]
            self.reply(200, json.dumps(run))
        else:
            self.reply(404, json.dumps({"error": f"no route {method} {path}"}))


class FakeKfp:
    """The server, started in a thread; ``url`` is its base (with the /pipeline prefix if asked)."""

    def __init__(self, state: KfpState | None = None, ssl_context: Any = None, prefix: bool = False) -> None:
        self.state = state or KfpState()
        handler = type("BoundHandler", (Handler,), {"state": self.state})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        if ssl_context is not None:
            self.server.socket = ssl_context.wrap_socket(self.server.socket, server_side=True)
        scheme = "https" if ssl_context is not None else "http"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}{PREFIX if prefix else ''}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def api_requests(self, method: str, path: str) -> list[dict]:
        """The requests it was sent to one API route (``/runs``), in order."""
        return [r for r in self.state.requests if r["method"] == method and r["path"] == API + path]

    def close(self) -> None:
        """Stops listening."""
        self.server.shutdown()
        self.server.server_close()
