"""Finding a run's task pod through a loopback Kubernetes API, and relaying a local port."""

import socket
import threading

import pytest

from utils.cluster.port_forward import find_task_pod, forward, kube_api
from utils.common import settings
from utils.common.errors import ClusterError, PortInUseError
from utils.testing.fakes.kube_api import FakeKubeApi, pod
from utils.tests.helpers import assert_one_line_error, free_port, run_script

RUN = "0f1e2d3c"
FINISHED = f"the pod of task 'train-model' in run {RUN} has finished (Succeeded)"
NODE = "my-pipeline-abcde.root.{}.executor"


def api():
    """The CoreV1Api the debug script builds, from the kubeconfig the test points KUBECONFIG at."""
    return kube_api(config_file=settings.cluster_settings().kubeconfig)


@pytest.fixture
def kube(monkeypatch, tmp_path):
    servers = []

    def start(pods, status=200):
        server = FakeKubeApi(pods, status)
        servers.append(server)
        monkeypatch.setenv("KUBECONFIG", str(server.kubeconfig(tmp_path)))
        return server

    yield start
    for server in servers:
        server.close()


def run_pods(process_phase="Running"):
    return [
        pod("root-driver", RUN, "my-pipeline-abcde.root-driver", "Succeeded"),
        pod("gen", RUN, NODE.format("load-rows"), "Succeeded"),
        pod("proc-driver", RUN, "my-pipeline-abcde.root.train-model-driver", "Succeeded"),
        pod("proc", RUN, NODE.format("train-model"), process_phase),
        pod("other-run", "ffff", NODE.format("train-model"), "Running"),
    ]


def test_finds_the_running_pod_of_the_task_by_run_label_and_node_name(kube):
    server = kube(run_pods())
    assert find_task_pod(api(), "kubeflow", RUN, "train-model", timeout=5, poll=0.05) == "proc"
    assert server.calls[0]["selector"] == f"pipeline/runid={RUN}"
    assert server.calls[0]["path"] == "/api/v1/namespaces/kubeflow/pods"
    assert server.calls[0]["auth"] == "Bearer kube-token"


def test_waits_while_the_pod_is_pending(kube):
    server = kube(lambda call: run_pods("Pending" if call < 3 else "Running"))
    assert find_task_pod(api(), "kubeflow", RUN, "train-model", timeout=10, poll=0.05) == "proc"
    assert len(server.calls) == 3


@pytest.mark.parametrize(
    ("pods", "task", "message"),
    [
        ([], "train-model", f"no pods of run {RUN} in namespace kubeflow: check RUN_ID and KFP_NAMESPACE"),
        (run_pods(), "train", f"no pod of task 'train' in run {RUN}; tasks with pods: load-rows, train-model"),
        (run_pods("Succeeded"), "train-model", FINISHED),
        (run_pods("Pending"), "train-model", "the pod of task 'train-model' is still Pending after 0.2 s"),
    ],
    ids=["no-such-run", "no-such-task", "pod-finished", "never-running"],
)
def test_lookup_errors_say_what_is_wrong(kube, pods, task, message):
    kube(pods)
    with pytest.raises(ClusterError) as caught:
        find_task_pod(api(), "kubeflow", RUN, task, timeout=0.2, poll=0.05)
    assert str(caught.value) == message


def test_refused_listing_is_named(kube):
    kube([], status=403)
    with pytest.raises(ClusterError, match=r"refused to list pods in kubeflow \(HTTP 403\)"):
        find_task_pod(api(), "kubeflow", RUN, "train-model", timeout=1, poll=0.05)


def test_no_kubeconfig_is_named():
    with pytest.raises(ClusterError, match="no kubeconfig found"):
        api()


def echo_server():
    server = socket.create_server(("127.0.0.1", 0))

    def serve():
        conn, _ = server.accept()
        with conn:
            while data := conn.recv(1024):
                conn.sendall(b"echo:" + data)

    threading.Thread(target=serve, daemon=True).start()
    return server


def test_forward_relays_a_connection_both_ways_until_stopped():
    remote = echo_server()
    local_port = free_port()
    stop = threading.Event()
    target = remote.getsockname()
    worker = threading.Thread(
        target=forward, args=(local_port, lambda: socket.create_connection(target), stop), daemon=True
    )
    worker.start()
    reply = b""
    for _ in range(50):
        try:
            with socket.create_connection(("127.0.0.1", local_port), timeout=5) as conn:
                conn.sendall(b"hello")
                reply = conn.recv(64)
            break
        except ConnectionRefusedError:
            stop.wait(0.05)
    stop.set()
    worker.join(5)
    remote.close()
    assert reply == b"echo:hello"
    assert not worker.is_alive()


def test_forward_refuses_a_busy_local_port():
    with socket.socket() as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        with pytest.raises(PortInUseError):
            forward(busy.getsockname()[1], lambda: None, threading.Event())


def test_debug_script_reports_a_finished_pod_in_one_line(kube, tmp_path):
    server = kube(run_pods("Failed"))
    proc = run_script(
        "debug_in_k8s_cluster.py", "--run-id", RUN, "--task", "train_model", "--wait-timeout", "1",
        KUBECONFIG=str(server.kubeconfig(tmp_path)),
    )  # fmt: skip
    assert_one_line_error(proc, f"the pod of task 'train-model' in run {RUN} has finished (Failed)")


def test_debug_script_without_kubeconfig_is_one_line():
    proc = run_script("debug_in_k8s_cluster.py", "--run-id", RUN, "--task", "train-model")
    assert_one_line_error(proc, "no kubeconfig found")
