"""Reaching the cluster over HTTP: one request with a timeout, and its failures in words."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import requests

from utils.common import settings
from utils.common.errors import ClusterError


def http_request(method: Any, url: str, **kwargs: Any) -> requests.Response:
    """One request with a timeout; a network or TLS failure becomes a ClusterError naming the host."""
    kwargs.setdefault("timeout", settings.request_timeout())
    try:
        return method(url, **kwargs)
    except requests.exceptions.RequestException as error:
        raise ClusterError(network_error(url, error, kwargs["timeout"])) from None


def network_error(url: str, error: BaseException, timeout: float | None = None) -> str:
    """One line saying why ``url`` could not be reached, in words rather than urllib3's.

    Args:
        url: The URL that was requested.
        error: The requests, urllib3 or socket exception.
        timeout: The request's timeout in seconds, if it had one.
    """
    parts = urlsplit(url)
    where = parts.netloc
    text = str(error)
    local = (parts.hostname or "") in ("localhost", "127.0.0.1", "::1")
    hint = " (is the port-forward running?)" if local else ""
    if isinstance(error, requests.exceptions.SSLError):
        if re.search(r"WRONG_VERSION_NUMBER|record layer failure|wrong version number|unknown protocol", text):
            return f"{where} does not speak TLS: use http:// in KFP_HOST, or point it at the TLS port"
        return (
            f"TLS verification failed for {where}: give its CA with KFP_CA_BUNDLE=path "
            "(or --insecure-skip-tls-verify, not recommended)"
        )
    if isinstance(error, requests.exceptions.Timeout | TimeoutError):
        limit = f" within {timeout:g} s" if timeout else ""
        return f"{where} did not answer{limit} (timed out): check KFP_HOST and the network{hint}"
    if re.search(r"NameResolution|Name or service not known|nodename nor servname|getaddrinfo failed", text):
        return f"cannot resolve the host name {parts.hostname!r}: check KFP_HOST"
    if re.search(r"refused", text, re.IGNORECASE):
        return f"connection refused at {where}{hint}"
    reason = type(error).__name__ if not text else text.split("(Caused by")[0].strip()
    return f"cannot reach {where}: {reason[:200]}"
