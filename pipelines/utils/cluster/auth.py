"""How kfp.Client authenticates, per ``KFP_AUTH`` mode. No secret is ever printed or logged.

Modes: ``none`` (a port-forwarded standalone KFP), ``serviceaccount`` (a projected token in a
Kubeflow notebook or pod), ``token`` (a bearer token or token file, e.g. ``kubectl create
token``), ``dex`` (Dex login form behind oauth2-proxy or oidc-authservice; the session cookie
is reused) and ``oidc`` (Keycloak or any OIDC password grant; the token is renewed before it
expires).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from kfp.client.token_credentials_base import TokenCredentialsBase

from utils.cluster.http import http_request
from utils.common.errors import ClusterError
from utils.common.settings import ClusterSettings

AUTH_MODES = ("none", "serviceaccount", "token", "dex", "oidc")
IN_CLUSTER_HOST = "http://ml-pipeline.kubeflow.svc.cluster.local:8888"
# Where Kubeflow projects a pod's pipelines token (kfp's own default).
SA_TOKEN_PATH = "/var/run/secrets/kubeflow/pipelines/token"


@dataclass
class Auth:
    """What kfp.Client needs to authenticate: keyword arguments, and headers for our own checks."""

    mode: str
    client_kwargs: dict[str, Any] = field(default_factory=dict, repr=False)

    def headers(self) -> dict[str, str]:
        """The Authorization or Cookie header kfp.Client will send, for a plain HTTP request."""
        if "cookies" in self.client_kwargs:
            return {"Cookie": self.client_kwargs["cookies"]}
        if "existing_token" in self.client_kwargs:
            return {"Authorization": f"Bearer {self.client_kwargs['existing_token']}"}
        if "credentials" in self.client_kwargs:
            holder = SimpleNamespace(api_key={})
            self.client_kwargs["credentials"].refresh_api_key_hook(holder)
            return {"Authorization": f"Bearer {holder.api_key['authorization']}"}
        return {}


def authenticate(settings: ClusterSettings, host: str, verify: bool | str) -> Auth:
    """Builds the client's authentication for ``settings.auth``, logging in where the mode needs it.

    Raises:
        ClusterError: On an unknown mode, missing credentials or a refused login.
    """
    mode = settings.auth
    if mode == "none":
        return Auth(mode)
    if mode == "serviceaccount":
        # kfp.Client(host=...) drops its in-cluster default credentials: pass them explicitly.
        # They re-read the projected token on every request, so a rotated token is picked up.
        path = settings.sa_token_path or SA_TOKEN_PATH
        return Auth(mode, {"credentials": TokenFileCredentials(path, "KF_PIPELINES_SA_TOKEN_PATH", mode)})
    if mode == "token":
        if settings.token_file:
            return Auth(mode, {"credentials": TokenFileCredentials(settings.token_file, "KFP_TOKEN_FILE", mode)})
        token = checked_token(_need(settings.token, "KFP_TOKEN (or KFP_TOKEN_FILE)", mode), "KFP_TOKEN")
        return Auth(mode, {"existing_token": token})
    if mode == "dex":
        username = _need(settings.username, "KFP_USERNAME", mode)
        password = _need(settings.password, "KFP_PASSWORD", mode)
        return Auth(mode, {"cookies": dex_session_cookie(host, username, password, verify)})
    if mode == "oidc":
        credentials = OidcPasswordCredentials(settings, verify)
        credentials.token()  # log in now, so a refusal is reported before anything else
        return Auth(mode, {"credentials": credentials})
    raise ClusterError(f"KFP_AUTH={mode!r} is not a mode; use one of {', '.join(AUTH_MODES)}")


def dex_session_cookie(host: str, username: str, password: str, verify: bool | str) -> str:
    """Logs in through Dex's login form as a browser would and returns the session cookies.

    Follows the redirects from the KFP host (through oauth2-proxy's ``/oauth2/start`` or
    oidc-authservice) to Dex, picks the local connector, posts the form, approves the grant
    where Dex asks (Kubeflow 1.9+), and keeps every cookie the session collected.
    """
    with requests.Session() as session:
        session.verify = verify
        resp = http_request(session.get, host)
        if not resp.history and resp.status_code in (401, 403):
            # oauth2-proxy answers API paths with 401/403; its sign-in flow starts here.
            parts = urlsplit(host)
            start = f"{parts.scheme}://{parts.netloc}/oauth2/start?rd={quote(parts.path or '/')}"
            resp = http_request(session.get, start)
        if not resp.history:
            raise ClusterError(f"{host} did not redirect to a login page: is it behind Dex? (else KFP_AUTH=none)")
        url = urlsplit(resp.url)
        if url.path.endswith("/auth"):  # connector choice: take the static-password/LDAP one
            url = url._replace(path=url.path + "/local")
        login_url = url.geturl()
        if not re.search(r"/auth/[^/]+/login$", url.path):
            login_url = http_request(session.get, login_url).url
        resp = http_request(session.post, login_url, data={"login": username, "password": password})
        if not resp.history:
            raise ClusterError("Dex refused the login: check KFP_USERNAME and KFP_PASSWORD")
        if urlsplit(resp.url).path.endswith("/approval"):
            resp = http_request(session.post, resp.url, data={"approval": "approve"})
        cookies = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
        if not cookies:
            raise ClusterError("the Dex login finished without a session cookie")
        return cookies


class OidcPasswordCredentials(TokenCredentialsBase):
    """An OIDC password-grant token (Keycloak and others), fetched again shortly before it expires."""

    def __init__(self, settings: ClusterSettings, verify: bool | str) -> None:
        self._url = _need(settings.oidc_token_url, "KFP_OIDC_TOKEN_URL", "oidc")
        self._form = {
            "grant_type": "password",
            "client_id": _need(settings.oidc_client_id, "KFP_OIDC_CLIENT_ID", "oidc"),
            "username": _need(settings.username, "KFP_USERNAME", "oidc"),
            "password": _need(settings.password, "KFP_PASSWORD", "oidc"),
            "scope": settings.oidc_scope,
        }
        if settings.oidc_client_secret:
            self._form["client_secret"] = settings.oidc_client_secret
        self._verify = verify
        self._token: str | None = None
        self._expires = 0.0

    def token(self) -> str:
        """The current access token, from the token endpoint when none is left or it is about to expire."""
        if self._token is None or time.monotonic() > self._expires - 30:
            resp = http_request(requests.post, self._url, data=self._form, verify=self._verify)
            if resp.status_code != 200:
                raise ClusterError(f"the OIDC token endpoint refused the login (HTTP {resp.status_code})")
            try:
                body = resp.json()
                self._token = str(body["access_token"])
            except (ValueError, KeyError, TypeError):
                raise ClusterError(
                    "the OIDC token endpoint did not answer a token (no JSON access_token): "
                    "check KFP_OIDC_TOKEN_URL (Keycloak: .../realms/<realm>/protocol/openid-connect/token)"
                ) from None
            self._expires = time.monotonic() + float(body.get("expires_in", 300))
        return self._token

    def refresh_api_key_hook(self, config: Any) -> None:
        """Called by the KFP API client before each request."""
        config.api_key["authorization"] = self.token()


def checked_token(token: str, where: str) -> str:
    """A bearer token as it may go into a header: the trailing newline a file usually has removed.

    Raises:
        ClusterError: If anything else in it is a control character (a line break inside, say) or
            not Latin-1 (HTTP headers are): the message names ``where`` and never the value.
    """
    token = token.strip()
    if not token:
        raise ClusterError(f"{where}: the token is empty")
    if any(ord(c) < 32 or ord(c) == 127 for c in token):
        raise ClusterError(f"{where}: the token has a line break or another control character inside it")
    try:
        token.encode("latin-1")
    except UnicodeEncodeError:
        raise ClusterError(f"{where}: the token has characters an HTTP header cannot carry (not Latin-1)") from None
    return token


class TokenFileCredentials(TokenCredentialsBase):
    """A bearer token read from a file before every request, so a rotated token is used at once.

    kfp's own file credentials put the file's content into the header as it is, a trailing newline
    and all; a header with a line break is refused by the HTTP library in an error that quotes it.
    """

    def __init__(self, path: str, setting: str, mode: str) -> None:
        """Checks the file now (a problem is one line before anything is sent)."""
        self._path, self._setting, self._mode = Path(path).expanduser(), setting, mode
        self.token()

    def token(self) -> str:
        """The file's token, checked (:func:`checked_token`).

        Raises:
            ClusterError: If the file is missing, unreadable, not text, empty or holds a bad token.
        """
        where = f"KFP_AUTH={self._mode}: the token file {str(self._path)!r} ({self._setting})"
        hint = " (outside a Kubeflow pod, use KFP_AUTH=token or dex)" if self._mode == "serviceaccount" else ""
        try:
            raw = self._path.read_bytes()
        except FileNotFoundError:
            raise ClusterError(f"{where} does not exist{hint}") from None
        except OSError as error:
            raise ClusterError(f"{where} cannot be read ({error.strerror}){hint}") from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ClusterError(f"{where} is not text (a token file holds one line)") from None
        if not text.strip():
            raise ClusterError(f"{where} is empty{hint}")
        return checked_token(text, where)

    def refresh_api_key_hook(self, config: Any) -> None:
        """Called by the KFP API client before each request."""
        config.api_key["authorization"] = self.token()


def _need(value: str | None, name: str, mode: str) -> str:
    if not value:
        raise ClusterError(f"KFP_AUTH={mode} needs {name}")
    return value
