"""Each KFP_AUTH mode against loopback KFP, Dex and Keycloak stand-ins; TLS; no secret in any output."""

import pytest

from utils.common import settings
from utils.testing.fakes.identity import SESSION_COOKIE, Identity
from utils.testing.fakes.kfp_api import KfpState
from utils.tests.helpers import assert_one_line_error, run_script
from utils.tests.helpers.cluster import submit

PASSWORD = "Pa55-w0rd-S3cret"
CLIENT_SECRET = "kc-Cl1ent-S3cret"


def api_headers(server, name):
    """One header of every API request (HTTP header names are case-insensitive; kfp sends lower case)."""
    requests = [r for r in server.state.requests if r["path"].startswith("/apis/")]
    return [{k.lower(): v for k, v in r["headers"].items()}.get(name.lower()) for r in requests]


def test_none_sends_no_credentials(monkeypatch, capsys, kfp_server):
    server = kfp_server()
    assert submit(monkeypatch, capsys, KFP_HOST=server.url)[0] == 0
    assert set(api_headers(server, "Authorization")) == {None} and set(api_headers(server, "Cookie")) == {None}


def test_token_is_sent_as_bearer_on_every_call(monkeypatch, capsys, kfp_server):
    server = kfp_server(state=KfpState(auth="bearer", bearer={"t0ken-abc"}))
    assert submit(monkeypatch, capsys, "--wait", KFP_HOST=server.url, KFP_AUTH="token", KFP_TOKEN="t0ken-abc")[0] == 0
    assert set(api_headers(server, "Authorization")) == {"Bearer t0ken-abc"}


@pytest.mark.parametrize(
    ("mode", "variable"), [("serviceaccount", "KF_PIPELINES_SA_TOKEN_PATH"), ("token", "KFP_TOKEN_FILE")]
)
def test_token_files_are_re_read_so_a_rotated_token_is_used(monkeypatch, capsys, kfp_server, tmp_path, mode, variable):
    token_file = tmp_path / "token"
    token_file.write_text("first-token\n")
    states = ["RUNNING", "RUNNING", "SUCCEEDED"]
    state = KfpState(auth="bearer", bearer={"first-token", "rotated-token"}, run_states=states)
    state.on_get_run = lambda: token_file.write_text("rotated-token")
    server = kfp_server(state=state)
    code, _ = submit(monkeypatch, capsys, "--wait", KFP_HOST=server.url, KFP_AUTH=mode, **{variable: str(token_file)})
    assert code == 0
    seen = api_headers(server, "Authorization")
    assert seen[0] == "Bearer first-token" and seen[-1] == "Bearer rotated-token"


@pytest.mark.parametrize(
    "identity",
    [
        Identity(approval=True),
        Identity(approval=False, connector_choice=True, start_with_403=True),
    ],
    ids=["oauth2-proxy-redirect-with-approval", "403-then-oauth2-start-connector-choice"],
)
def test_dex_login_reuses_the_session_cookie(monkeypatch, capsys, kfp_server, identity):
    identity.users = {"user@example.com": PASSWORD}
    server = kfp_server(state=KfpState(auth="cookie", identity=identity), prefix=True)
    env = {"KFP_HOST": server.url, "KFP_AUTH": "dex", "KFP_USERNAME": "user@example.com", "KFP_PASSWORD": PASSWORD}
    code, out = submit(monkeypatch, capsys, "--wait", **env)
    assert code == 0
    (session,) = identity.sessions
    assert all(f"{SESSION_COOKIE}={session}" in cookie for cookie in api_headers(server, "Cookie"))
    paths = [r["path"] for r in server.state.requests]
    assert "/oauth2/start" in paths and "/dex/auth/local/login" in paths
    assert ("/dex/approval" in paths) is identity.approval
    assert PASSWORD not in out and session not in out


def test_dex_wrong_password_is_one_line(kfp_server):
    server = kfp_server(state=KfpState(auth="cookie"), prefix=True)
    env = {"KFP_HOST": server.url, "KFP_AUTH": "dex", "KFP_USERNAME": "user@example.com", "KFP_PASSWORD": PASSWORD}
    proc = run_script("run_in_k8s_cluster.py", **env)
    assert_one_line_error(proc, "Dex refused the login: check KFP_USERNAME and KFP_PASSWORD")
    assert PASSWORD not in proc.stdout + proc.stderr


def oidc_env(server, secret=CLIENT_SECRET):
    return {
        "KFP_HOST": server.url,
        "KFP_AUTH": "oidc",
        "KFP_OIDC_TOKEN_URL": server.url.removesuffix("/pipeline") + "/realms/kubeflow/protocol/openid-connect/token",
        "KFP_OIDC_CLIENT_ID": "kubeflow",
        "KFP_OIDC_CLIENT_SECRET": secret,
        "KFP_USERNAME": "user@example.com",
        "KFP_PASSWORD": PASSWORD,
    }


@pytest.mark.parametrize(("lifetime", "renewed"), [(3600, False), (1, True)])
def test_oidc_password_grant_gives_a_bearer_token_renewed_before_expiry(
    monkeypatch, capsys, kfp_server, lifetime, renewed
):
    users, clients = {"user@example.com": PASSWORD}, {"kubeflow": CLIENT_SECRET}
    identity = Identity(users=users, clients=clients, token_lifetime=lifetime)
    server = kfp_server(state=KfpState(auth="bearer", identity=identity))
    code, out = submit(monkeypatch, capsys, "--wait", **oidc_env(server))
    assert code == 0
    assert set(api_headers(server, "Authorization")) <= {f"Bearer {t}" for t in identity.tokens}
    assert (len(identity.tokens) > 1) is renewed
    assert PASSWORD not in out and CLIENT_SECRET not in out and identity.tokens[0] not in out


def test_oidc_wrong_client_secret_is_one_line_without_secrets(kfp_server):
    server = kfp_server(state=KfpState(auth="bearer"))
    proc = run_script("run_in_k8s_cluster.py", **oidc_env(server, secret="wrong-S3cret"))
    assert_one_line_error(proc, "the OIDC token endpoint refused the login (HTTP 401)")
    assert "wrong-S3cret" not in proc.stdout + proc.stderr and PASSWORD not in proc.stdout + proc.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"KFP_AUTH": "kerberos"}, "KFP_AUTH='kerberos' is not a mode"),
        ({"KFP_AUTH": "token"}, "KFP_AUTH=token needs KFP_TOKEN (or KFP_TOKEN_FILE)"),
        ({"KFP_AUTH": "dex", "KFP_USERNAME": "u"}, "KFP_AUTH=dex needs KFP_PASSWORD"),
        ({"KFP_AUTH": "oidc"}, "KFP_AUTH=oidc needs KFP_OIDC_TOKEN_URL"),
        ({"KFP_CA_BUNDLE": "/no/such/ca.pem"}, "KFP_CA_BUNDLE='/no/such/ca.pem' is not a file"),
    ],
)
def test_bad_settings_are_named(monkeypatch, capsys, kfp_server, env, message):
    server = kfp_server()
    assert submit(monkeypatch, capsys, KFP_HOST=server.url, **env)[0].startswith(message)


@pytest.fixture
def https_server(kfp_server, tmp_path):
    import ssl

    import trustme

    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    return kfp_server(ssl_context=context), tmp_path / "ca.pem"


def test_tls_is_verified_by_default_and_a_ca_bundle_makes_it_pass(monkeypatch, capsys, https_server):
    server, ca = https_server
    proc = run_script("run_in_k8s_cluster.py", KFP_HOST=server.url)
    assert_one_line_error(proc, "TLS verification failed for 127.0.0.1")
    assert submit(monkeypatch, capsys, KFP_HOST=server.url, KFP_CA_BUNDLE=str(ca))[0] == 0


def test_insecure_flag_skips_verification_with_a_warning(https_server):
    server, _ = https_server
    proc = run_script("run_in_k8s_cluster.py", "--insecure-skip-tls-verify", KFP_HOST=server.url)
    assert proc.returncode == 0, proc.stderr[-1500:]
    assert "TLS verification is OFF" in proc.stderr
    assert "InsecureRequestWarning" not in proc.stderr


def test_env_file_fills_in_what_the_environment_does_not_set(monkeypatch, tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text('# comment\nKFP_HOST="http://from-file:8080"\nexport KFP_EXPERIMENT=file-exp\nKFP_NAMESPACE=\n')
    monkeypatch.setenv("PIPE_FICTION_ENV_FILE", str(env_file))
    monkeypatch.setenv("KFP_EXPERIMENT", "from-env")
    cluster = settings.cluster_settings()
    assert (cluster.host, cluster.experiment, cluster.namespace) == ("http://from-file:8080", "from-env", "kubeflow")


def test_settings_repr_hides_secrets(monkeypatch):
    monkeypatch.setenv("KFP_PASSWORD", PASSWORD)
    monkeypatch.setenv("KFP_TOKEN", "t0ken-abc")
    monkeypatch.setenv("KFP_OIDC_CLIENT_SECRET", CLIENT_SECRET)
    text = repr(settings.cluster_settings())
    assert PASSWORD not in text and "t0ken-abc" not in text and CLIENT_SECRET not in text


def test_a_token_file_with_its_trailing_newline_works(monkeypatch, capsys, kfp_server, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text("t0ken-abc\n")
    server = kfp_server(state=KfpState(auth="bearer", bearer={"t0ken-abc"}))
    assert submit(monkeypatch, capsys, KFP_HOST=server.url, KFP_AUTH="token", KFP_TOKEN_FILE=str(token_file))[0] == 0
    assert set(api_headers(server, "Authorization")) == {"Bearer t0ken-abc"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"abc\ndef\n", "the token has a line break or another control character inside it"),
        (b"abc\x00def", "the token has a line break or another control character inside it"),
        (b"\xff\xfe\x00\x01binary", "is not text"),
        ("t\u00f6ken-\u2603".encode(), "characters an HTTP header cannot carry"),
    ],
)
def test_a_bad_token_file_is_one_line_that_never_quotes_it(kfp_server, tmp_path, content, message):
    token_file = tmp_path / "token"
    token_file.write_bytes(content)
    proc = run_script("run_in_k8s_cluster.py", KFP_HOST=kfp_server().url, KFP_AUTH="token",
                      KFP_TOKEN_FILE=str(token_file))  # fmt: skip
    assert_one_line_error(proc, message)
    out = proc.stdout + proc.stderr
    assert "abc" not in out and "def" not in out and "Bearer" not in out and "\u2603" not in out


def test_a_token_in_env_with_a_line_break_inside_is_refused_and_a_trailing_one_stripped(kfp_server, tmp_path):
    server = kfp_server(state=KfpState(auth="bearer", bearer={"t0ken-abc"}))
    env_file = tmp_path / ".env"
    env_file.write_text('KFP_TOKEN="t0ken-abc\\n"\n')
    proc = run_script("run_in_k8s_cluster.py", KFP_HOST=server.url, KFP_AUTH="token",
                      PIPE_FICTION_ENV_FILE=str(env_file))  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    env_file.write_text('KFP_TOKEN="t0ken\\nabc"\n')
    proc = run_script("run_in_k8s_cluster.py", KFP_HOST=server.url, KFP_AUTH="token",
                      PIPE_FICTION_ENV_FILE=str(env_file))  # fmt: skip
    assert_one_line_error(proc, "KFP_TOKEN: the token has a line break")
    assert "t0ken" not in proc.stdout + proc.stderr


@pytest.mark.parametrize(("problem", "message"), [("expired", "has expired"), ("other-host", "another host name")])
def test_a_ca_given_but_a_bad_certificate_says_what_is_wrong_with_it(kfp_server, tmp_path, problem, message):
    import datetime
    import ssl

    import trustme

    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    if problem == "expired":
        past = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
        ca.issue_cert("127.0.0.1", not_before=past, not_after=past + datetime.timedelta(days=1)).configure_cert(context)
    else:
        ca.issue_cert("kfp.example.com").configure_cert(context)
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    server = kfp_server(ssl_context=context)
    proc = run_script("run_in_k8s_cluster.py", KFP_HOST=server.url, KFP_CA_BUNDLE=str(tmp_path / "ca.pem"))
    assert_one_line_error(proc, message)
    assert "KFP_CA_BUNDLE=path" not in proc.stderr
