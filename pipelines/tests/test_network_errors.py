"""A cluster that cannot be reached is one line in words: refused, timed out, no TLS, no such host."""

import socket

import pytest
import requests

from tests.helpers import assert_one_line_error, free_port, run_script
from utils.network import ClusterError, http_request, network_error


def test_connection_refused_on_localhost_asks_about_the_port_forward():
    port = free_port()
    proc = run_script("run_in_k8s_cluster.py", KFP_HOST=f"http://localhost:{port}")
    assert_one_line_error(proc, f"connection refused at localhost:{port} (is the port-forward running?)")
    assert "HTTPConnectionPool" not in proc.stderr


def test_a_server_that_never_answers_times_out_in_words():
    with socket.create_server(("127.0.0.1", 0)) as server:  # listens, never answers
        port = server.getsockname()[1]
        with pytest.raises(ClusterError) as caught:
            http_request(requests.get, f"http://127.0.0.1:{port}/apis/v2beta1/healthz", timeout=0.5)
    assert str(caught.value).startswith(f"127.0.0.1:{port} did not answer within 0.5 s (timed out)")


def test_https_to_a_plain_http_server_says_it_does_not_speak_tls(kfp_server):
    server = kfp_server()
    host = server.url.replace("http://", "https://")
    proc = run_script("run_in_k8s_cluster.py", KFP_HOST=host)
    assert_one_line_error(proc, "does not speak TLS: use http:// in KFP_HOST")


def test_an_unknown_host_name_is_named():
    error = requests.exceptions.ConnectionError(
        "HTTPConnectionPool(host='kfp.nowhere', port=80): Max retries exceeded (Caused by "
        "NameResolutionError(\"Failed to resolve 'kfp.nowhere' ([Errno -2] Name or service not known)\"))"
    )
    assert network_error("http://kfp.nowhere/x", error) == "cannot resolve the host name 'kfp.nowhere': check KFP_HOST"
