"""Talking to a Kubeflow Pipelines backend: a checked kfp.Client, submitting a run, waiting for it."""

from __future__ import annotations

import contextlib
import io
import re
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kfp
import requests
import urllib3
from kfp_server_api.exceptions import ApiException
from loguru import logger

from utils.cluster_auth import IN_CLUSTER_HOST, Auth, ClusterError, authenticate, http_request
from utils.settings import ClusterSettings

FINAL_STATES = ("SUCCEEDED", "FAILED", "CANCELED", "SKIPPED")


def kfp_host(settings: ClusterSettings) -> str:
    """``KFP_HOST`` checked: kfp would silently turn ``host:port`` into ``https://host:port``.

    Raises:
        ClusterError: If it is unset (outside a cluster) or has no http(s) scheme.
    """
    host = settings.host or (IN_CLUSTER_HOST if settings.auth == "serviceaccount" else None)
    if not host:
        raise ClusterError("KFP_HOST is not set: e.g. KFP_HOST=http://localhost:8080 (see pipelines/.env.example)")
    if not re.match(r"^https?://[^/]", host):
        raise ClusterError(f"KFP_HOST={host!r} has no scheme: write http://{host} or https://{host}")
    return host.rstrip("/")


def tls_verify(settings: ClusterSettings, insecure: bool) -> bool | str:
    """True (verify against the system CAs), a CA bundle path, or False when explicitly asked.

    Raises:
        ClusterError: If ``KFP_CA_BUNDLE`` names no file.
    """
    if insecure:
        logger.warning("TLS verification is OFF (--insecure-skip-tls-verify): the server is not authenticated")
        warnings.filterwarnings("ignore", category=urllib3.exceptions.InsecureRequestWarning)
        return False
    if settings.ca_bundle:
        if not Path(settings.ca_bundle).is_file():
            raise ClusterError(f"KFP_CA_BUNDLE={settings.ca_bundle!r} is not a file")
        return settings.ca_bundle
    return True


def connect(settings: ClusterSettings, insecure: bool = False) -> kfp.Client:
    """Logs in, checks that the KFP API answers to these credentials, and returns a kfp.Client.

    Raises:
        ClusterError: With one line saying what is wrong: host, TLS, login or credentials.
    """
    host = kfp_host(settings)
    verify = tls_verify(settings, insecure)
    auth = authenticate(settings, host, verify)
    check_api(host, auth, verify)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="This client only works with Kubeflow Pipeline")
        return kfp.Client(
            host=host,
            namespace=settings.namespace,
            verify_ssl=verify is not False,
            ssl_ca_cert=verify if isinstance(verify, str) else None,
            ui_host=settings.ui_host or host,
            **auth.client_kwargs,
        )


def check_api(host: str, auth: Auth, verify: bool | str) -> None:
    """One bounded health check, instead of kfp's five retries with a traceback each."""
    resp = http_request(
        requests.get, f"{host}/apis/v2beta1/healthz", headers=auth.headers(), verify=verify, allow_redirects=False
    )
    if resp.status_code == 200:
        return
    if resp.status_code in (401, 403) or resp.is_redirect:
        raise ClusterError(
            f"KFP at {host} refused the credentials (HTTP {resp.status_code}, KFP_AUTH={auth.mode}): "
            "check KFP_AUTH and its credentials"
        )
    if resp.status_code == 404:
        raise ClusterError(f"no KFP API at {host} (HTTP 404): KFP_HOST is the API's base URL")
    raise ClusterError(f"KFP at {host} answered HTTP {resp.status_code} to its health check")


@contextlib.contextmanager
def api_errors(what: str) -> Iterator[None]:
    """Turns KFP API and network failures into one ClusterError line."""
    try:
        yield
    except ApiException as error:
        if error.status in (401, 403):
            raise ClusterError(
                f"the KFP API refused {what} (HTTP {error.status}): check KFP_AUTH, its credentials and KFP_NAMESPACE"
            ) from None
        raise ClusterError(f"the KFP API failed {what}: HTTP {error.status} {error.reason}") from None
    except (urllib3.exceptions.HTTPError, OSError) as error:
        raise ClusterError(f"lost the KFP API while {what}: {type(error).__name__}") from None


def submit(
    client: kfp.Client,
    package: Path,
    arguments: dict[str, Any],
    settings: ClusterSettings,
    run_name: str | None = None,
    enable_caching: bool | None = None,
) -> str:
    """Submits a compiled pipeline into the settings' experiment (created if missing); returns the run id."""
    with api_errors("the run"), contextlib.redirect_stdout(io.StringIO()):  # kfp prints links of its own
        result = client.create_run_from_pipeline_package(
            str(package),
            arguments=arguments,
            run_name=run_name,
            experiment_name=settings.experiment,
            namespace=settings.namespace,
            enable_caching=enable_caching,
        )
    return result.run_id


def run_link(settings: ClusterSettings, run_id: str) -> str:
    """The run's page in the KFP UI (``KFP_UI_HOST``, else ``KFP_HOST``)."""
    return f"{(settings.ui_host or kfp_host(settings)).rstrip('/')}/#/runs/details/{run_id}"


def wait(client: kfp.Client, run_id: str, timeout: float, poll: float = 5.0) -> str:
    """Polls the run until it ends; returns its final state.

    Raises:
        ClusterError: If it has not ended within ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        with api_errors("the run's state"):
            state = str(client.get_run(run_id).state or "UNKNOWN").upper()
        if state in FINAL_STATES:
            return state
        if time.monotonic() > deadline:
            raise ClusterError(f"run {run_id} is still {state} after {timeout:g} s")
        logger.info("run {} is {}", run_id, state)
        time.sleep(poll)
