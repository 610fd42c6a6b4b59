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
import urllib3
from kfp import compiler
from loguru import logger

from utils.cluster.api import api_errors, check_api, field_of
from utils.cluster.auth import IN_CLUSTER_HOST, authenticate
from utils.common.errors import ClusterError
from utils.common.settings import ClusterSettings
from utils.kfp_seams.rest_client import bounded_requests
from utils.pipeline.types import Pipeline

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
        return False
    if settings.ca_bundle:
        if not Path(settings.ca_bundle).is_file():
            raise ClusterError(f"KFP_CA_BUNDLE={settings.ca_bundle!r} is not a file")
        return settings.ca_bundle
    return True


@contextlib.contextmanager
def session(timeout: float) -> Iterator[None]:
    """The span of a script's talk with the cluster: every KFP API request bounded by ``timeout``.

    urllib3 warns on every request sent without TLS verification; the user asked for that
    (``--insecure-skip-tls-verify``) and was told once, so the warnings are silenced, for the span only.
    """
    with warnings.catch_warnings(), bounded_requests(timeout):
        warnings.filterwarnings("ignore", category=urllib3.exceptions.InsecureRequestWarning)
        yield


def connect(settings: ClusterSettings, insecure: bool = False) -> kfp.Client:
    """Logs in, checks that the KFP API answers to these credentials, and returns a kfp.Client.

    Raises:
        ClusterError: With one line saying what is wrong: host, TLS, login or credentials.
    """
    host = kfp_host(settings)
    verify = tls_verify(settings, insecure)
    auth = authenticate(settings, host, verify)
    check_api(host, auth, verify)
    with warnings.catch_warnings(), api_errors("the client's first call"):
        warnings.filterwarnings("ignore", message="This client only works with Kubeflow Pipeline")
        return kfp.Client(
            host=host,
            namespace=settings.namespace,
            verify_ssl=verify is not False,
            ssl_ca_cert=verify if isinstance(verify, str) else None,
            ui_host=settings.ui_host or host,
            **auth.client_kwargs,
        )


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
    return field_of(result, "run_id", "the run")


def compile_pipeline(path: Path, pipeline: Pipeline) -> Path:
    """Compiles a ``@dsl.pipeline`` to a YAML file, creating its folder; returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    compiler.Compiler().compile(pipeline_func=pipeline, package_path=str(path))
    return path


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
            state = str(field_of(client.get_run(run_id), "state", "the run's state")).upper()
        if state in FINAL_STATES:
            return state
        if time.monotonic() > deadline:
            raise ClusterError(f"run {run_id} is still {state} after {timeout:g} s")
        logger.info("run {} is {}", run_id, state)
        time.sleep(poll)
