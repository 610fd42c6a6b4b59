"""The task image's name, in one place: for the Makefile and for ``settings.image()``.

The tag carries a fingerprint of everything baked into the image: ``<name>:<version>-<fingerprint>``
(``-kfp<version>`` before it when a kfp other than the locked one is baked in). A change to
the package's source, its lock, the Dockerfile or the kfp/debugpy versions makes a new tag, so
``make run-docker`` builds exactly when the working tree has changed, and a cluster never runs
older code under a tag it has cached. ``IMAGE``/``PIPE_FICTION_IMAGE`` with a tag is used as
given; without one (``ghcr.io/me/pipe-fiction``) it gets the fingerprinted tag.

Standard library only: the Makefile runs it with the system's ``python3`` before any environment
exists (``python3 pipelines/utils/image_tag.py [--moving]``, reading ``PIPE_FICTION_IMAGE`` and
``KFP_VERSION`` from the environment, never from a shell command line).
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FINGERPRINT_LENGTH = 12
_FINGERPRINTED = re.compile(rf"-[0-9a-f]{{{FINGERPRINT_LENGTH}}}$")
# What never reaches the image (the codebase's .dockerignore says the same) or changes on its own.
_SKIPPED_PARTS = {"tests", "__pycache__", ".venv", ".pytest_cache", ".ruff_cache", "local_outputs"}
_SKIPPED_SUFFIXES = (".pyc", ".egg-info")


def codebase() -> Path:
    """The package's folder: the one ``*-codebase`` folder beside ``pipelines/``."""
    return next(ROOT.glob("*-codebase"))


def locked_version(package: str) -> str:
    """A package's version in ``pipelines/uv.lock``."""
    lock = (ROOT / "pipelines" / "uv.lock").read_text()
    return re.search(rf'^name = "{re.escape(package)}"\nversion = "([^"]+)"', lock, re.M).group(1)


def hash_files(digest: hashlib._Hash, files: list[Path], relative_to: Path) -> None:
    """Feeds each file's path (relative, so a clone elsewhere hashes the same) and bytes to ``digest``."""
    for path in sorted(files):
        digest.update(path.relative_to(relative_to).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")


def image_files(folder: Path | None = None) -> list[Path]:
    """The codebase's files that go into the image: sources, pyproject, lock, Dockerfile, README."""
    folder = folder or codebase()
    return [
        path
        for path in folder.rglob("*")
        if path.is_file()
        and not _SKIPPED_PARTS.intersection(path.relative_to(folder).parts)
        and not any(part.endswith(_SKIPPED_SUFFIXES) for part in path.relative_to(folder).parts)
    ]


def fingerprint(kfp_version: str | None = None, folder: Path | None = None) -> str:
    """A short hash of what the image is built from.

    Args:
        kfp_version: The kfp baked in (default: the locked one).
        folder: The codebase folder (default: this checkout's).
    """
    folder = folder or codebase()
    digest = hashlib.sha256()
    hash_files(digest, image_files(folder), folder)
    digest.update(f"kfp=={kfp_version or locked_version('kfp')};debugpy=={locked_version('debugpy')}".encode())
    return digest.hexdigest()[:FINGERPRINT_LENGTH]


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


def without_fingerprint(image: str) -> str:
    """The image reference with a fingerprint at the end of its tag removed (else unchanged)."""
    return _FINGERPRINTED.sub("", image) if has_tag(image) and "@" not in image else image


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
