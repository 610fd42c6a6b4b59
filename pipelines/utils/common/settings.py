"""Every environment variable the template reads, in one place, with its default.

Values are read when asked (functions, not module constants), so tests and run
scripts can set the environment before they call in. A git-ignored ``pipelines/.env``
(``PIPE_FICTION_ENV_FILE`` names another) fills in what the environment does not set.
"""

from __future__ import annotations

import functools
import io
import os
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values
from dotenv.parser import parse_stream

from utils.common.errors import SettingsError
from utils.common.paths import PIPELINES_DIR


def env_file() -> Path:
    """The .env file read under the environment.

    ``PIPE_FICTION_ENV_FILE``, else ``pipelines/.env``.
    """
    return Path(os.environ.get("PIPE_FICTION_ENV_FILE") or PIPELINES_DIR / ".env")


def get(name: str, default: str | None = None) -> str | None:
    """A setting: the environment's value, else the .env file's, else ``default`` (empty counts as unset).

    Raises:
        SettingsError: If the .env file cannot be read or parsed (naming the file and line).
    """
    value = os.environ.get(name)
    if value:
        return value
    path = env_file()
    if not path.is_file():
        return default
    return _dotenv(str(path), path.stat().st_mtime_ns).get(name) or default


@functools.lru_cache(maxsize=4)
def _dotenv(path: str, mtime_ns: int) -> dict[str, str]:
    """The values of a .env file, parsed once per version of the file by python-dotenv.

    python-dotenv handles quoting, ``export``, inline comments and ``${VAR}`` interpolation; it
    only logs lines it cannot parse, so they are found first and reported (without their text,
    which may hold a secret).
    """
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise SettingsError(f"{path}, line {line}: not valid UTF-8; save the file as UTF-8") from None
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:
            raise SettingsError(f"{path}, line {binding.original.line}: not a KEY=VALUE line") from None
    return {k: v for k, v in dotenv_values(stream=io.StringIO(text)).items() if v is not None}


def command_line(argv: list[str] | None = None) -> list[str]:
    """A run script's arguments: ``argv`` if given, else its own plus ``PIPE_FICTION_ARGS``.

    The Makefile hands ``ARGS`` over in ``PIPE_FICTION_ARGS``, split here with shell quoting
    rules (``--sentence 'two words'``) but never run by a shell.

    Raises:
        SettingsError: If the quotes in it do not pair up.
    """
    if argv is not None:
        return argv
    raw = os.environ.get("PIPE_FICTION_ARGS", "")
    try:
        return sys.argv[1:] + shlex.split(raw)
    except ValueError as error:
        raise SettingsError(f"ARGS={raw!r}: {error}") from None


def pipeline_spec() -> str | None:
    """Which pipeline the scripts run: ``module`` or ``module:function``.

    From ``PIPE_FICTION_PIPELINE`` (``make ... PIPELINE=...``); unset means the one
    ``@dsl.pipeline`` in ``pipelines/pipeline.py``.
    """
    return get("PIPE_FICTION_PIPELINE")


def local_outputs_dir() -> Path:
    """Where local runs write their artifacts.

    ``PIPE_FICTION_OUTPUTS``, else ``pipelines/local_outputs``,
    Always absolute with ``~`` expanded: kfp takes a ``~/...`` pipeline root literally.
    """
    raw = get("PIPE_FICTION_OUTPUTS") or str(PIPELINES_DIR / "local_outputs")
    return Path(raw).expanduser().resolve()


def cache_dir() -> Path:
    """Where local runs keep what lets them reuse unchanged tasks: ``PIPE_FICTION_CACHE_DIR``.

    Default: ``local_cache`` beside the local outputs folder. An entry points at files in the run
    folder that made them; deleting run folders makes their entries misses, never errors.
    """
    raw = get("PIPE_FICTION_CACHE_DIR")
    return Path(raw).expanduser().resolve() if raw else local_outputs_dir().parent / "local_cache"


def local_kubernetes_dir() -> Path:
    """Where local runs find files standing in for Kubernetes secrets and config maps.

    ``PIPE_FICTION_LOCAL_KUBERNETES``, else ``pipelines/local_kubernetes`` (git-ignored):
    ``secrets/<name>.env`` and ``config_maps/<name>.env`` (see :mod:`utils.local.platform`).
    """
    raw = get("PIPE_FICTION_LOCAL_KUBERNETES") or str(PIPELINES_DIR / "local_kubernetes")
    return Path(raw).expanduser().resolve()


def data_dir() -> Path:
    """The data folder: ``PIPE_FICTION_DATA_DIR``, else ``pipelines/data``.

    One name on both sides: on the host it names the folder Docker runs mount read-only at
    /data; in a Docker task it is set to /data, so a component reads the same variable anywhere.
    """
    raw = get("PIPE_FICTION_DATA_DIR") or str(PIPELINES_DIR / "data")
    return Path(raw).expanduser().resolve()


@dataclass(frozen=True)
class ClusterSettings:
    """Where and how to reach a Kubeflow Pipelines backend. Secrets stay out of ``repr``."""

    host: str | None
    namespace: str
    experiment: str
    auth: str
    ui_host: str | None = None
    ca_bundle: str | None = None
    token_file: str | None = None
    sa_token_path: str | None = None
    username: str | None = None
    oidc_token_url: str | None = None
    oidc_client_id: str | None = None
    oidc_scope: str = "openid"
    kube_context: str | None = None
    kubeconfig: str | None = None
    token: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    oidc_client_secret: str | None = field(default=None, repr=False)


def request_timeout() -> float:
    """Seconds any one request to the cluster may take: ``KFP_TIMEOUT``, else 30.

    Raises:
        SettingsError: If it is not a number of seconds above 0.
    """
    raw = get("KFP_TIMEOUT", "30") or "30"
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < float("inf"):
        raise SettingsError(f"KFP_TIMEOUT={raw!r}: give a number of seconds above 0")
    return seconds


def cluster_settings() -> ClusterSettings:
    """Reads the ``KFP_*`` variables (see ``pipelines/.env.example``)."""
    return ClusterSettings(
        host=get("KFP_HOST"),
        namespace=get("KFP_NAMESPACE", "kubeflow"),
        experiment=get("KFP_EXPERIMENT", "pipe-fiction"),
        auth=(get("KFP_AUTH", "none") or "none").lower(),
        ui_host=get("KFP_UI_HOST"),
        ca_bundle=get("KFP_CA_BUNDLE"),
        token=get("KFP_TOKEN"),
        token_file=get("KFP_TOKEN_FILE"),
        sa_token_path=get("KF_PIPELINES_SA_TOKEN_PATH"),
        username=get("KFP_USERNAME"),
        password=get("KFP_PASSWORD"),
        oidc_token_url=get("KFP_OIDC_TOKEN_URL"),
        oidc_client_id=get("KFP_OIDC_CLIENT_ID"),
        oidc_client_secret=get("KFP_OIDC_CLIENT_SECRET"),
        oidc_scope=get("KFP_OIDC_SCOPE", "openid") or "openid",
        kube_context=get("KFP_KUBE_CONTEXT"),
        kubeconfig=get("KUBECONFIG"),
    )
