"""The task image's name, in one place: for the Makefile and for the run scripts.

The tag carries a fingerprint of everything the image is built from: ``<name>:<version>-<fingerprint>``
(``-kfp<version>`` before it when a kfp other than the locked one is baked in). The fingerprint
covers the build context as ``docker build`` sends it (the codebase folder with its
``.dockerignore`` applied: sources at any depth, pyproject, lock), the Dockerfile, and the build
arguments: the base image, the extra CA bundle's content, and the kfp and debugpy versions. So the
tag changes exactly when the built image would, ``make run-docker`` builds exactly when the working
tree has changed, and a cluster never runs older code under a tag it has cached.
``IMAGE``/``PIPE_FICTION_IMAGE`` with a tag is used as given; without one
(``ghcr.io/me/pipe-fiction``) it gets the fingerprinted tag.

Standard library only: the Makefile runs it with the system's ``python3`` before any environment
exists (``cd pipelines && python3 -m utils.image.tag [--moving|--pushable]``), reading
``PIPE_FICTION_IMAGE``, ``KFP_VERSION``, ``BASE_IMAGE`` and ``EXTRA_CA_BUNDLE`` from the
environment, never from a shell command line.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

from utils.common.paths import PIPELINES_LOCK, codebase
from utils.image.context import context_files

FINGERPRINT_LENGTH = 12
_FINGERPRINTED = re.compile(rf"-[0-9a-f]{{{FINGERPRINT_LENGTH}}}$")
DOCKERFILE = "Dockerfile"


def locked_version(package: str) -> str:
    """A package's version in ``pipelines/uv.lock``."""
    lock = PIPELINES_LOCK.read_text()
    return re.search(rf'^name = "{re.escape(package)}"\nversion = "([^"]+)"', lock, re.M).group(1)


def hash_files(digest: hashlib._Hash, files: Iterable[Path], relative_to: Path) -> None:
    """Feeds each file's path (relative, so a clone elsewhere hashes the same) and bytes to ``digest``."""
    for path in sorted(files):
        digest.update(path.relative_to(relative_to).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")


def default_base_image(folder: Path | None = None) -> str:
    """The base image the Dockerfile names in ``ARG BASE_IMAGE=...`` (used when ``BASE_IMAGE`` is unset)."""
    text = ((folder or codebase()) / DOCKERFILE).read_text()
    match = re.search(r"^ARG BASE_IMAGE=(\S+)", text, re.M)
    return match.group(1) if match else ""


def build_arguments(kfp_version: str | None = None, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """What ``make build-image`` passes to ``docker build`` besides the context, as the tag sees it.

    Args:
        kfp_version: The kfp baked in (default: the locked one).
        env: Where ``BASE_IMAGE`` and ``EXTRA_CA_BUNDLE`` are read (default: the environment).
    """
    env = os.environ if env is None else env
    bundle = env.get("EXTRA_CA_BUNDLE") or ""
    bundle_digest = hashlib.sha256(Path(bundle).expanduser().read_bytes()).hexdigest() if bundle else ""
    return {
        "BASE_IMAGE": env.get("BASE_IMAGE") or default_base_image(),
        "EXTRA_CA_CERTS": bundle_digest,
        "KFP_VERSION": kfp_version or locked_version("kfp"),
        "DEBUGPY_VERSION": locked_version("debugpy"),
    }


@functools.lru_cache(maxsize=8)
def _fingerprint(folder: Path, arguments: tuple[tuple[str, str], ...], stamp: tuple[tuple[str, int, int], ...]) -> str:
    digest = hashlib.sha256()
    hash_files(digest, [Path(path) for path, _, _ in stamp], folder)
    digest.update(";".join(f"{k}={v}" for k, v in arguments).encode())
    return digest.hexdigest()[:FINGERPRINT_LENGTH]


def fingerprint(
    kfp_version: str | None = None, folder: Path | None = None, env: Mapping[str, str] | None = None
) -> str:
    """A short hash of what the image is built from: its build context, Dockerfile and build arguments.

    Computed once per state of the files in a process (keyed on their sizes and modification times).

    Args:
        kfp_version: The kfp baked in (default: the locked one).
        folder: The codebase folder (default: this checkout's).
        env: Where the build arguments are read (default: the environment).
    """
    folder = folder or codebase()
    files = [*context_files(folder), folder / DOCKERFILE]
    stamp = tuple((str(p), (s := p.stat()).st_size, s.st_mtime_ns) for p in sorted(set(files)) if p.is_file())
    arguments = tuple(sorted(build_arguments(kfp_version, env).items()))
    return _fingerprint(folder, arguments, stamp)


def _version_tag(kfp_version: str | None, folder: Path) -> str:
    pyproject = (folder / "pyproject.toml").read_text()
    version = re.search(r'^version = "([^"]+)"', pyproject, re.M).group(1)
    suffix = f"-kfp{kfp_version}" if kfp_version and kfp_version != locked_version("kfp") else ""
    return f"{version}{suffix}"


def has_tag(image: str) -> bool:
    """Whether an image reference names a tag or digest (``name:tag``, ``host:5000/name@sha256:...``)."""
    return "@" in image or ":" in image.rsplit("/", 1)[-1]


def default_image(kfp_version: str | None = None, repository: str | None = None, moving: bool = False) -> str:
    """The image ``make build-image`` tags: ``<repository>:<version>[-kfp<v>]-<fingerprint>``.

    Args:
        kfp_version: The kfp baked into the image, when it is not the locked one.
        repository: Where it goes (``ghcr.io/me/pipe-fiction``); default the codebase's name.
        moving: Leave the fingerprint out: the tag that always names the latest build.
    """
    folder = codebase()
    repository = repository or folder.name.removesuffix("-codebase")
    tag = _version_tag(kfp_version, folder)
    return f"{repository}:{tag}" if moving else f"{repository}:{tag}-{fingerprint(kfp_version, folder)}"


def resolve(image: str | None, kfp_version: str | None = None, moving: bool = False) -> str:
    """The image to use for a setting: as given when it has a tag, else tagged as :func:`default_image`."""
    if image and has_tag(image):
        return image
    return default_image(kfp_version, image or None, moving)


def is_fingerprinted(image: str) -> bool:
    """Whether the image's tag ends in a fingerprint (so its name changes whenever its content would)."""
    return has_tag(image) and "@" not in image and bool(_FINGERPRINTED.search(image))


def without_fingerprint(image: str) -> str:
    """The image reference with a fingerprint at the end of its tag removed (else unchanged)."""
    return _FINGERPRINTED.sub("", image) if is_fingerprinted(image) else image


def registry(image: str) -> str | None:
    """The registry host an image reference names (``ghcr.io``, ``localhost:5000``), None for a local name."""
    first, slash, _ = image.partition("/")
    return first if slash and ("." in first or ":" in first or first == "localhost") else None


def main(argv: list[str]) -> int:
    """Prints the image name (``--moving``: the tag without fingerprint); ``--pushable`` checks it names a registry."""
    image = resolve(os.environ.get("PIPE_FICTION_IMAGE"), os.environ.get("KFP_VERSION"), "--moving" in argv)
    if "--pushable" in argv and registry(image) is None:
        hint = f"IMAGE=<registry>/<name>, e.g. IMAGE=ghcr.io/you/{image.split(':')[0]}"
        print(f"{image} names no registry: give {hint}", file=sys.stderr)
        return 2
    print(image)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
