"""A loopback Kubernetes API answering pod lists by label selector, and a kubeconfig pointing at it."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit


def pod(name: str, run_id: str, node: str | None, phase: str, created: str = "2026-11-22T00:00:00Z") -> dict:
    """A KFP v2 pod: the run label, and the Argo node-name annotation of its task."""
    annotations = {"workflows.argoproj.io/node-name": node} if node else {}
    return {
        "metadata": {
            "name": name,
            "namespace": "kubeflow",
            "labels": {"pipeline/runid": run_id, "pipelines.kubeflow.org/v2_component": "true"},
            "annotations": annotations,
            "creationTimestamp": created,
        },
        "status": {"phase": phase},
    }


class FakeKubeApi:
    """Serves GET /api/v1/namespaces/<ns>/pods?labelSelector=k=v from ``pods``.

    ``pods`` is a list, or a function of the call count (for pods whose phase changes).
    """

    def __init__(self, pods: list[dict] | Callable[[int], list[dict]], status: int = 200) -> None:
        self.calls: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                selector = parse_qs(url.query).get("labelSelector", [""])[0]
                outer.calls.append({"path": url.path, "selector": selector, "auth": self.headers.get("Authorization")})
                if status != 200:
                    return self._reply(status, {"kind": "Status", "code": status, "message": "forbidden"})
                listed = pods(len(outer.calls)) if callable(pods) else pods
                key, _, value = selector.partition("=")
                items = [p for p in listed if p["metadata"]["labels"].get(key) == value]
                namespace = url.path.split("/")[4]
                items = [p for p in items if p["metadata"]["namespace"] == namespace]
                self._reply(200, {"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": items})

            def _reply(self, code: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def kubeconfig(self, folder: Path) -> Path:
        """Writes a kubeconfig whose current context points at this server."""
        path = folder / "kubeconfig"
        path.write_text(
            "apiVersion: v1\nkind: Config\ncurrent-context: fake\n"
            f"clusters:\n- name: fake\n  cluster:\n    server: {self.url}\n"
            "users:\n- name: fake\n  user:\n    token: kube-token\n"
            "contexts:\n- name: fake\n  context:\n    cluster: fake\n    user: fake\n    namespace: kubeflow\n"
        )
        return path

    def close(self) -> None:
        """Stops listening."""
        self.server.shutdown()
        self.server.server_close()
