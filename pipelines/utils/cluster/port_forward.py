"""Finding the pod of a run's task in Kubernetes, and forwarding a local port to its debug port."""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from loguru import logger

from utils.common.errors import ClusterError
from utils.common.ports import ensure_free

RUN_LABEL = "pipeline/runid"  # KFP v2 labels every pod of a run with it
NODE_NAME = "workflows.argoproj.io/node-name"  # "<workflow>.root.<task>.executor"; no task label exists
_TASK = re.compile(r"\.([^.]+)\.executor$")


def kube_api(context: str | None = None, config_file: str | None = None) -> Any:
    """A CoreV1Api from the kubeconfig (``config_file``, else ``~/.kube/config``), else the in-cluster config.

    Raises:
        ClusterError: If neither is there.
    """
    from kubernetes import client, config

    try:
        # Passed explicitly: the kubernetes package reads KUBECONFIG once, at import.
        config.load_kube_config(config_file=config_file or "~/.kube/config", context=context)
    except config.ConfigException:
        try:
            config.load_incluster_config()
        except config.ConfigException:
            raise ClusterError("no kubeconfig found (~/.kube/config or KUBECONFIG) and not inside a cluster") from None
    return client.CoreV1Api()


def task_of(pod: Any) -> str | None:
    """The KFP task a pod executes, from its Argo node name; None for drivers and other pods."""
    match = _TASK.search((pod.metadata.annotations or {}).get(NODE_NAME, ""))
    return match.group(1) if match else None


def find_task_pod(api: Any, namespace: str, run_id: str, task: str, timeout: float = 120, poll: float = 2) -> str:
    """Waits until the run's pod for ``task`` runs and returns its name.

    Raises:
        ClusterError: If the run has no pods, the task no pod, or its pod has already finished,
            within ``timeout`` seconds; or the Kubernetes API refuses.
    """
    from kubernetes.client.exceptions import ApiException

    deadline = time.monotonic() + timeout
    while True:
        try:
            pods = api.list_namespaced_pod(namespace, label_selector=f"{RUN_LABEL}={run_id}").items
        except ApiException as error:
            message = f"the Kubernetes API refused to list pods in {namespace} (HTTP {error.status})"
            raise ClusterError(message) from None
        except Exception as error:  # urllib3 and socket errors: the API server is unreachable
            raise ClusterError(f"cannot reach the Kubernetes API: {type(error).__name__}") from None
        mine = sorted((p for p in pods if task_of(p) == task), key=lambda p: p.metadata.creation_timestamp or 0)
        phases = [p.status.phase for p in mine]
        if "Running" in phases:
            return [p for p in mine if p.status.phase == "Running"][-1].metadata.name
        if mine and all(phase in ("Succeeded", "Failed") for phase in phases):
            raise ClusterError(f"the pod of task '{task}' in run {run_id} has finished ({phases[-1]})")
        if time.monotonic() > deadline:
            if not pods:
                raise ClusterError(f"no pods of run {run_id} in namespace {namespace}: check RUN_ID and KFP_NAMESPACE")
            if not mine:
                seen = sorted({t for p in pods if (t := task_of(p))}) or ["none yet"]
                raise ClusterError(f"no pod of task '{task}' in run {run_id}; tasks with pods: {', '.join(seen)}")
            raise ClusterError(f"the pod of task '{task}' is still {phases[-1]} after {timeout:g} s")
        time.sleep(poll)


def pod_connector(api: Any, namespace: str, pod: str, port: int) -> Callable[[], socket.socket]:
    """A function that opens one new stream to ``port`` of the pod, through the API server."""
    from kubernetes.stream import portforward

    def open_stream() -> socket.socket:
        forwarded = portforward(api.connect_get_namespaced_pod_portforward, pod, namespace, ports=str(port))
        stream = forwarded.socket(port)
        stream.setblocking(True)
        return stream

    return open_stream


def forward(local_port: int, open_remote: Callable[[], socket.socket], stop: threading.Event | None = None) -> None:
    """Serves ``localhost:local_port``, relaying each connection to a new remote stream, until stopped.

    Raises:
        PortInUseError: If the local port is taken.
    """
    ensure_free(local_port)
    stop = stop or threading.Event()
    with socket.create_server(("127.0.0.1", local_port)) as server:
        server.settimeout(0.3)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            threading.Thread(target=_serve, args=(conn, open_remote), daemon=True).start()


def _serve(conn: socket.socket, open_remote: Callable[[], socket.socket]) -> None:
    conn.settimeout(None)
    try:
        remote = open_remote()
    except Exception as error:
        logger.error("cannot open a stream to the pod: {}", type(error).__name__)
        conn.close()
        return
    threading.Thread(target=_copy, args=(remote, conn), daemon=True).start()
    _copy(conn, remote)


def _copy(source: socket.socket, target: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, target):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
