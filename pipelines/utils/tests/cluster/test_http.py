"""A cluster that cannot be reached, or is not KFP, is one line in words and a non-zero exit, never a hang."""

import socket
import time

import pytest
import requests

from utils.cluster.http import http_request, network_error
from utils.common.errors import ClusterError
from utils.testing.fakes.odd_servers import odd_server
from utils.tests.helpers import assert_one_line_error, free_port, run_script


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


@pytest.mark.parametrize("args", [[], ["--wait"]])
def test_a_server_answering_html_to_everything_is_not_taken_for_kfp(args):
    with odd_server("html") as url:
        proc = run_script("run_in_k8s_cluster.py", *args, KFP_HOST=url)
    assert_one_line_error(proc, "does not look like the KFP API (its health check answered text/html)")
    assert "Run id" not in proc.stdout


def test_an_api_that_accepts_and_never_answers_times_out_with_one_line():
    started = time.monotonic()
    with odd_server("stall") as url:
        proc = run_script("run_in_k8s_cluster.py", "--wait", KFP_HOST=url, KFP_TIMEOUT="1")
    assert_one_line_error(proc, "did not answer")
    assert "KFP_TIMEOUT" in proc.stderr.strip().splitlines()[-1]
    assert time.monotonic() - started < 25


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"KFP_AUTH": "token", "KFP_TOKEN_FILE": "/nonexistent/token"}, "the token file '/nonexistent/token'"),
        ({"KFP_AUTH": "serviceaccount", "KF_PIPELINES_SA_TOKEN_PATH": "/nonexistent/sa"}, "does not exist"),
    ],
)
def test_a_missing_token_file_is_one_line(kfp_server, env, message):
    proc = run_script("run_in_k8s_cluster.py", KFP_HOST=kfp_server().url, **env)
    assert_one_line_error(proc, message)


def test_an_oidc_token_endpoint_answering_html_is_one_line(kfp_server):
    with odd_server("html") as url:
        env = {"KFP_AUTH": "oidc", "KFP_OIDC_TOKEN_URL": f"{url}/token", "KFP_OIDC_CLIENT_ID": "kfp"}
        proc = run_script("run_in_k8s_cluster.py", KFP_HOST=kfp_server().url, KFP_USERNAME="u", KFP_PASSWORD="p", **env)
    assert_one_line_error(proc, "the OIDC token endpoint did not answer a token")


def test_a_bad_kfp_timeout_is_one_line():
    proc = run_script("run_in_k8s_cluster.py", KFP_HOST="http://127.0.0.1:1", KFP_TIMEOUT="soon")
    assert_one_line_error(proc, "KFP_TIMEOUT='soon': give a number of seconds above 0")


def test_a_server_that_drips_one_byte_a_second_is_given_up_at_the_deadline():
    started = time.monotonic()
    with odd_server("drip") as url:
        proc = run_script("run_in_k8s_cluster.py", "--wait", KFP_HOST=url, KFP_TIMEOUT="2")
    assert_one_line_error(proc, "did not answer within 2 s (timed out)")
    assert time.monotonic() - started < 2 + 2 + 10  # KFP_TIMEOUT, the margin, the interpreter


def test_a_dripping_kfp_api_call_is_given_up_at_the_deadline(kfp_server):
    # The health check is quick; the API call after it drips (kfp's own client, bounded by the seam).
    from utils.kfp_seams.rest_client import bounded_requests

    with odd_server("drip") as url, bounded_requests(1.0, margin=1.0):
        from kfp_server_api import ApiClient, Configuration

        client = ApiClient(Configuration(host=url))
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            client.call_api("/apis/v2beta1/runs", "GET", response_type="object")
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("text", "bundle", "message"),
    [
        ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired", True, "has expired"),
        ("certificate verify failed: Hostname mismatch, certificate is not valid for 'x'", True, "another host name"),
        ("certificate verify failed: unable to get local issuer certificate", True, "not signed by the CA in"),
        ("certificate verify failed: unable to get local issuer certificate", False, "give its CA with KFP_CA_BUNDLE"),
    ],
)
def test_a_tls_failure_says_which(text, bundle, message):
    error = requests.exceptions.SSLError(text)
    assert message in network_error("https://kfp.example.com/x", error, ca_bundle=bundle)


def test_an_error_that_quotes_a_header_is_never_echoed():
    error = requests.exceptions.InvalidHeader("Invalid return character in header value: 'Bearer s3cret\\nx'")
    line = network_error("https://user:pa55@kfp.example.com/x", error)
    assert "s3cret" not in line and "Bearer" not in line and "pa55" not in line
    assert line == "cannot reach kfp.example.com: InvalidHeader"
