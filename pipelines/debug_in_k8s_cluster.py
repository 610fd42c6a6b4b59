"""Forwards localhost:PORT to the debug port of a run's task pod, until Ctrl-C.

Submit with ``make run-k8s ARGS="--debug process-data"`` first; its output names the run id.
Then attach VS Code's "Pipeline: attach (cluster)". Usage: ``python debug_in_k8s_cluster.py --help``.
"""

from __future__ import annotations

import argparse

from loguru import logger

from utils.cluster.port_forward import find_task_pod, forward, kube_api, pod_connector
from utils.common import arg_types, settings
from utils.common.cli import run_cli
from utils.common.ports import ensure_free
from utils.debugging.component import DEFAULT_PORT
from utils.pipeline.task_graph import normalise


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parses the run, task and ports."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-id", required=True, help="the run id run_in_k8s_cluster.py printed")
    parser.add_argument("--task", required=True, help="the task waiting for a debugger, e.g. process-data")
    parser.add_argument(
        "--port", type=arg_types.port, default=DEFAULT_PORT, help=f"local port (default {DEFAULT_PORT})"
    )
    parser.add_argument("--remote-port", type=arg_types.port, help="the task's debug port (default: --port)")
    parser.add_argument("--namespace", help="the run's namespace (default KFP_NAMESPACE)")
    parser.add_argument(
        "--wait-timeout", type=arg_types.positive_seconds, default=300, help="seconds to wait for the pod to run"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Finds the pod, then forwards until interrupted; returns the exit code."""
    args = parse_args(argv)
    cluster = settings.cluster_settings()
    namespace = args.namespace or cluster.namespace
    task, remote_port = normalise(args.task), args.remote_port or args.port
    ensure_free(args.port)  # before waiting minutes for the pod; forward() checks again when it binds
    api = kube_api(cluster.kube_context, cluster.kubeconfig)
    logger.info("waiting for the pod of task {} in run {} ({})", task, args.run_id, namespace)
    pod = find_task_pod(api, namespace, args.run_id, task, timeout=args.wait_timeout)
    logger.info(
        "forwarding localhost:{} to {}:{}; attach 'Pipeline: attach (cluster)'. Ctrl-C stops.",
        args.port,
        pod,
        remote_port,
    )
    forward(args.port, pod_connector(api, namespace, pod, remote_port))
    return 0


if __name__ == "__main__":
    run_cli(main)
