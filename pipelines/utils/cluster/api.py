"""Talking to the KFP REST API safely: a real health check, bounded requests, errors in words."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import requests
import urllib3
from kfp_server_api.exceptions import ApiException

from utils.cluster.auth import Auth
from utils.cluster.http import http_request
from utils.common.errors import ClusterError

# What KFP's v2beta1 health endpoint answers: {"commit_sha": ..., "tag_name": ..., "multi_user": ...}
HEALTH_FIELDS = ("commit_sha", "tag_name", "multi_user")
NOT_KFP_HINT = (
    "check the URL path (KFP_HOST is the API's base URL: http://localhost:8080 for a port-forward, "
    "https://<host>/pipeline behind Kubeflow's gateway) and the auth mode (KFP_AUTH)"
)


def check_api(host: str, auth: Auth, verify: bool | str) -> None:
    """One bounded health check, instead of kfp's five retries with a traceback each.

    Raises:
        ClusterError: If the host refuses the credentials, or answers but is not the KFP API
            (a login page, the UI, a proxy answering everything with HTML).
    """
    resp = http_request(
        requests.get, f"{host}/apis/v2beta1/healthz", headers=auth.headers(), verify=verify, allow_redirects=False
    )
    if resp.status_code in (401, 403) or resp.is_redirect:
        raise ClusterError(
            f"KFP at {host} refused the credentials (HTTP {resp.status_code}, KFP_AUTH={auth.mode}): "
            "check KFP_AUTH and its credentials"
        )
    if resp.status_code == 404:
        raise ClusterError(f"no KFP API at {host} (HTTP 404): {NOT_KFP_HINT}")
    if resp.status_code != 200:
        raise ClusterError(f"KFP at {host} answered HTTP {resp.status_code} to its health check")
    try:
        body = resp.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or not any(name in body for name in HEALTH_FIELDS):
        kind = resp.headers.get("Content-Type", "no content type").split(";")[0]
        raise ClusterError(f"{host} does not look like the KFP API (its health check answered {kind}): {NOT_KFP_HINT}")


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
        cause = getattr(error, "reason", None) if isinstance(error, urllib3.exceptions.MaxRetryError) else error
        if isinstance(cause, urllib3.exceptions.TimeoutError | TimeoutError):
            raise ClusterError(f"the KFP API did not answer {what} in time (KFP_TIMEOUT sets the limit)") from None
        raise ClusterError(f"lost the KFP API during {what}: {type(cause or error).__name__}") from None


def field_of(answer: Any, name: str, what: str) -> Any:
    """``answer.name``, or a ClusterError saying the API's answer to ``what`` lacked it.

    kfp's generated client hands back the raw text when an answer is not JSON (an HTML page),
    so a missing field means the server is not the KFP API.
    """
    value = getattr(answer, name, None)
    if value is None:
        raise ClusterError(f"the answer to {what} has no {name}: the server does not look like the KFP API")
    return value
