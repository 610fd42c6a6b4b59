"""Every environment variable the template reads, in one place, with its default.

Values are read when asked (functions, not module constants), so tests and run
scripts can set the environment before they call in. A git-ignored ``pipelines/.env``
(``PIPE_FICTION_ENV_FILE`` names another) fills in what the environment does not set.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

PIPELINES_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIST = "pipe-fiction"
IMAGE_NAME = "pipe-fiction"


def env_file() -> Path:
    """The .env file read under the environment: ``PIPE_FICTION_ENV_FILE``, else ``pipelines/.env``."""
    return Path(os.environ.get("PIPE_FICTION_ENV_FILE") or PIPELINES_DIR / ".env")


def get(name: str, default: str | None = None) -> str | None:
    """A setting: the environment's value, else the .env file's, else ``default`` (empty counts as unset)."""
    value = os.environ.get(name)
    if value:
        return value
    path = env_file()
    if not path.is_file():
        return default
    return _dotenv(str(path), path.stat().st_mtime_ns).get(name) or default


@functools.lru_cache(maxsize=4)
def _dotenv(path: str, mtime_ns: int) -> dict[str, str]:
    """The KEY=VALUE lines of a .env file, parsed once per version of the file (the first one of a key wins)."""
    values: dict[str, str] = {}
    for line in Path(path).read_text().splitlines():
        key, sep, raw = line.strip().removeprefix("export ").partition("=")
        if sep and not key.lstrip().startswith("#"):
            values.setdefault(key.strip(), raw.strip().strip("'\""))
    return values


def package_version() -> str:
    """Returns the installed version of the ML package (the image tag comes from it)."""
    try:
        return version(PACKAGE_DIST)
    except PackageNotFoundError:
        return "latest"


def image() -> str:
    """The image every component runs in: ``PIPE_FICTION_IMAGE``, else ``pipe-fiction:<version>``.

    The default is what ``make build-image`` tags, so a fresh clone needs no setting.
    """
    return get("PIPE_FICTION_IMAGE") or f"{IMAGE_NAME}:{package_version()}"


def local_outputs_dir() -> Path:
    """Where local runs write their artifacts: ``PIPE_FICTION_OUTPUTS``, else ``pipelines/local_outputs``.

    Always absolute with ``~`` expanded: kfp takes a ``~/...`` pipeline root literally.
    """
    raw = get("PIPE_FICTION_OUTPUTS") or str(PIPELINES_DIR / "local_outputs")
    return Path(raw).expanduser().resolve()


def data_dir() -> Path:
    """The host folder Docker runs mount read-only at /data: ``PIPE_FICTION_DATA``, else ``pipelines/data``."""
    raw = get("PIPE_FICTION_DATA") or str(PIPELINES_DIR / "data")
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
