"""Reaching the cluster over HTTP: one request with a timeout, and its failures in words."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import requests

from utils.common import settings
from utils.common.deadline import DeadlineExceeded, call_within
from utils.common.errors import ClusterError

# Beyond KFP_TIMEOUT, the time a request may still take before it is given up as a whole.
DEADLINE_MARGIN = 2.0


def http_request(method: Any, url: str, **kwargs: Any) -> requests.Response:
    """One request, over within ``KFP_TIMEOUT`` seconds in all; a failure becomes a ClusterError naming the host.

    Each read is bounded by the timeout too, and the whole request by it plus a little: a server
    that answers one byte at a time cannot keep it alive.
    """
    timeout = kwargs.setdefault("timeout", settings.request_timeout())
    try:
        return call_within(timeout + DEADLINE_MARGIN, method, url, **kwargs)
    except (requests.exceptions.RequestException, DeadlineExceeded) as error:
        raise ClusterError(
            network_error(url, error, timeout, ca_bundle=isinstance(kwargs.get("verify"), str))
        ) from None


def network_error(url: str, error: BaseException, timeout: float | None = None, ca_bundle: bool = False) -> str:
    """One line saying why ``url`` could not be reached, in words rather than urllib3's.

    Never the error's own text beyond what is known to be safe: some (a refused header, say)
    quote a header, a cookie or a password.

    Args:
        url: The URL that was requested.
        error: The requests, urllib3 or socket exception.
        timeout: The request's timeout in seconds, if it had one.
        ca_bundle: Whether a CA was given (``KFP_CA_BUNDLE``) to verify the server with.
    """
    parts = urlsplit(url)
    where = parts.netloc.rpartition("@")[2]  # never the user:password of a URL
    text = str(error)
    local = (parts.hostname or "") in ("localhost", "127.0.0.1", "::1")
    hint = " (is the port-forward running?)" if local else ""
    if isinstance(error, requests.exceptions.SSLError):
        return _tls_error(where, text, ca_bundle)
    if isinstance(error, requests.exceptions.Timeout | TimeoutError):
        limit = f" within {timeout:g} s" if timeout else ""
        return f"{where} did not answer{limit} (timed out): check KFP_HOST and the network{hint}"
    if re.search(r"NameResolution|Name or service not known|nodename nor servname|getaddrinfo failed", text):
        return f"cannot resolve the host name {parts.hostname!r}: check KFP_HOST"
    if re.search(r"refused", text, re.IGNORECASE):
        return f"connection refused at {where}{hint}"
    system = re.search(r"\[Errno -?\d+\] ([A-Za-z ,'-]{3,80})", text)
    reason = system.group(1).strip() if system else type(error).__name__
    return f"cannot reach {where}: {reason}"


def _tls_error(where: str, text: str, ca_bundle: bool) -> str:
    if re.search(r"WRONG_VERSION_NUMBER|record layer failure|wrong version number|unknown protocol", text):
        return f"{where} does not speak TLS: use http:// in KFP_HOST, or point it at the TLS port"
    if re.search(r"certificate has expired|certificate is not yet valid", text, re.IGNORECASE):
        return f"the TLS certificate of {where} has expired (or is not yet valid): the server must renew it"
    if re.search(r"hostname mismatch|doesn't match|not valid for|IP address mismatch", text, re.IGNORECASE):
        return (
            f"the TLS certificate of {where} is for another host name: check KFP_HOST (the name the certificate names)"
        )
    if ca_bundle:
        return (
            f"TLS verification failed for {where}: its certificate is not signed by the CA in KFP_CA_BUNDLE "
            "(is it the right CA, the whole chain?)"
        )
    return (
        f"TLS verification failed for {where}: give its CA with KFP_CA_BUNDLE=path "
        "(or --insecure-skip-tls-verify, not recommended)"
    )
