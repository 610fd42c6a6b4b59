"""Loopback stand-ins for oauth2-proxy + Dex and for a Keycloak token endpoint.

Dex: redirects, login form, approval, session cookie. Both are routes of the fake KFP server.
"""

from __future__ import annotations

import itertools
import json
import secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote, urlsplit

SESSION_COOKIE = "oauth2_proxy_kubeflow"
TOKEN_PATH = "/realms/kubeflow/protocol/openid-connect/token"
LOGIN_FORM = '<form method="post"><input name="login"><input name="password" type="password"></form>'


@dataclass
class Identity:
    """Users and clients the fake identity provider accepts, and what it has handed out."""

    users: dict[str, str] = field(default_factory=lambda: {"user@example.com": "12341234"})
    clients: dict[str, str] = field(default_factory=lambda: {"kubeflow": "kf-secret"})
    approval: bool = True  # Kubeflow 1.9+: Dex asks to approve the grant
    connector_choice: bool = False  # Dex with several connectors shows a choice page at /dex/auth
    start_with_403: bool = False  # oauth2-proxy answering API paths with 403 instead of a redirect
    token_lifetime: int = 300
    sessions: set[str] = field(default_factory=set)
    tokens: list[str] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=itertools.count)

    def route(self, handler, method: str, path: str, query: dict, form: dict) -> bool:
        """Answers an identity request; returns False if the path is not an identity path."""
        if path == TOKEN_PATH and method == "POST":
            return self._token(handler, form)
        if path == "/oauth2/start":
            rd = query.get("rd", ["/"])[0]
            return handler.redirect(f"/dex/auth?client_id=kubeflow-oidc-authservice&state={quote(rd)}")
        if path == "/dex/auth":
            if self.connector_choice:
                choice = '<a href="/dex/auth/local">Email</a><a href="/dex/auth/ldap">LDAP</a>'
                return handler.reply(200, choice, "html")
            return handler.redirect(f"/dex/auth/local?state={quote(query.get('state', ['/'])[0])}")
        if path == "/dex/auth/local":
            return handler.redirect(f"/dex/auth/local/login?state={quote(query.get('state', ['/'])[0])}")
        if path == "/dex/auth/local/login":
            if method == "GET":
                return handler.reply(200, LOGIN_FORM, "html")
            user, password = form.get("login", [""])[0], form.get("password", [""])[0]
            if self.users.get(user) != password or not password:
                return handler.reply(200, "Invalid Email Address and password" + LOGIN_FORM, "html")
            state = quote(query.get("state", ["/"])[0])
            approve, done = f"/dex/approval?req=r1&state={state}", f"/oauth2/callback?code=c1&state={state}"
            target = approve if self.approval else done
            return handler.redirect(target, 303)
        if path == "/dex/approval":
            if method == "POST" and form.get("approval") == ["approve"]:
                return handler.redirect(f"/oauth2/callback?code=c1&state={quote(query.get('state', ['/'])[0])}", 303)
            return handler.reply(200, '<form method="post"><button name="approval" value="approve">', "html")
        if path == "/oauth2/callback":
            session = f"session-{next(self._ids)}-{secrets.token_hex(8)}"  # unmistakable in any output
            self.sessions.add(session)
            headers = {"Set-Cookie": f"{SESSION_COOKIE}={session}; Path=/; HttpOnly"}
            return handler.redirect(query.get("state", ["/"])[0], 302, headers)
        return False

    def browser_page(self, handler, cookies: dict) -> bool:
        """A page behind oauth2-proxy: the UI for a session, else the start of the sign-in."""
        if cookies.get(SESSION_COOKIE) in self.sessions:
            return handler.reply(200, "<html>Kubeflow Pipelines</html>", "html")
        if self.start_with_403:
            return handler.reply(403, "Forbidden", "html")
        return handler.redirect(f"/oauth2/start?rd={quote(urlsplit(handler.path).path)}")

    def _token(self, handler, form: dict) -> bool:
        one = {k: v[0] for k, v in form.items()}
        ok = (
            one.get("grant_type") == "password"
            and self.clients.get(one.get("client_id", "")) == one.get("client_secret")
            and self.users.get(one.get("username", "")) == one.get("password")
        )
        if not ok:
            return handler.reply(401, json.dumps({"error": "invalid_grant"}))
        token = f"kc-{next(self._ids)}"
        self.tokens.append(token)
        body = {"access_token": token, "expires_in": self.token_lifetime, "token_type": "Bearer"}
        return handler.reply(200, json.dumps(body))


def parse_form(body: bytes) -> dict:
    """A urlencoded form body, as parse_qs gives it."""
    return parse_qs(body.decode()) if body else {}
