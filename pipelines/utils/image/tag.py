"""The task images' names, in one place: for the Makefile and for the run scripts.

Two images, the Dockerfile's two stages: the dependency image (``deps``), which runs use while
your code travels with the tasks (:mod:`utils.task_code.ship`), tagged
``<name>:<version>-deps-<fingerprint>`` with a fingerprint of only what that stage copies
(:data:`DEPS_FILES`) and the build arguments; and the full image (``full``: the package
installed too), which components name, ``<name>:<version>-<fingerprint>``. ``-kfp<version>``
comes after the version when a kfp other than the locked one is baked in. The full image's fingerprint
covers the build context as ``docker build`` sends it (the codebase folder with its
``.dockerignore`` applied: sources at any depth, pyproject, lock), the Dockerfile, and the build
arguments: the base image, the extra CA bundle's content, and the kfp and debugpy versions. So the
tag changes exactly when the built image would, ``make run-docker`` builds exactly when the working
tree has changed, and a cluster never runs older code under a tag it has cached.
``IMAGE``/``PIPE_FICTION_IMAGE`` with a tag is used as given; without one
(``ghcr.io/me/pipe-fiction``) it gets the fingerprinted tag.

Standard library only: the Makefile runs it with the system's ``python3`` before any environment
exists (``cd pipelines && python3 -m utils.image.tag [--full] [--moving|--pushable|--stage]``),
reading ``PIPE_FICTION_IMAGE``, ``PIPE_FICTION_SHIP_CODE``,
``KFP_VERSION``, ``BASE_IMAGE`` and ``EXTRA_CA_BUNDLE`` from the environment, never from a shell command line.
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
from utils.task_code.policy import blocker

FINGERPRINT_LENGTH = 12
_FINGERPRINTED = re.compile(rf"-[0-9a-f]{{{FINGERPRINT_LENGTH}}}$")
DOCKERFILE = "Dockerfile"
# What the Dockerfile's deps stage copies: its image changes only when these (or the build
# arguments) do.
DEPS_FILES = ("pyproject.toml", "uv.lock", DOCKERFILE)
DEPS, FULL = "deps", "full"  # the Dockerfile's stages


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
    kfp_version: str | None = None,
    folder: Path | None = None,
    env: Mapping[str, str] | None = None,
    deps: bool = False,
) -> str:
    """A short hash of what the image is built from: its build context, Dockerfile and build arguments.

    Computed once per state of the files in a process (keyed on their sizes and modification times).

    Args:
        kfp_version: The kfp baked in (default: the locked one).
        folder: The codebase folder (default: this checkout's).
        env: Where the build arguments are read (default: the environment).
        deps: For the dependency image (the Dockerfile's ``deps`` stage): only what that stage
            copies, so a code edit leaves it unchanged.
    """
    folder = folder or codebase()
    files = [folder / name for name in DEPS_FILES] if deps else [*context_files(folder), folder / DOCKERFILE]
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


def default_image(
    kfp_version: str | None = None, repository: str | None = None, moving: bool = False, deps: bool = False
) -> str:
    """The image ``make build-image`` tags: ``<repository>:<version>[-kfp<v>][-deps]-<fingerprint>``.

    Args:
        kfp_version: The kfp baked into the image, when it is not the locked one.
        repository: Where it goes (``ghcr.io/me/pipe-fiction``); default the codebase's name.
        moving: Leave the fingerprint out: the tag that always names the latest build.
        deps: The dependency image (the ``deps`` stage), whose tasks bring their own code.
    """
    folder = codebase()
    repository = repository or folder.name.removesuffix("-codebase")
    tag = _version_tag(kfp_version, folder) + ("-deps" if deps else "")
    return f"{repository}:{tag}" if moving else f"{repository}:{tag}-{fingerprint(kfp_version, folder, deps=deps)}"


def resolve(image: str | None, kfp_version: str | None = None, moving: bool = False, deps: bool = False) -> str:
    """The image to use for a setting: as given when it has a tag, else tagged as :func:`default_image`."""
    if image and has_tag(image):
        return image
    return default_image(kfp_version, image or None, moving, deps)


def shipping_blocker(env: Mapping[str, str] | None = None) -> str | None:
    """Why tasks cannot bring their code (so runs use the full image); None when they can."""
    env = os.environ if env is None else env
    configured = env.get("PIPE_FICTION_IMAGE")
    if configured and has_tag(configured):
        return f"PIPE_FICTION_IMAGE names an image of its own ({configured}), used as it is"
    return blocker(env.get("PIPE_FICTION_SHIP_CODE"), codebase())


def run_image(
    image: str | None, kfp_version: str | None = None, moving: bool = False, env: Mapping[str, str] | None = None
) -> tuple[str, str]:
    """The image runs use and its Dockerfile stage: the dependency image when code travels with its tasks.

    Args:
        image: ``PIPE_FICTION_IMAGE``, if set.
        kfp_version: The kfp baked in (default: the locked one).
        moving: Leave the fingerprint out.
        env: Where the image settings are read, ``PIPE_FICTION_IMAGE`` and
            ``PIPE_FICTION_SHIP_CODE`` (default: the environment).
    """
    stage = FULL if shipping_blocker(env) else DEPS
    return resolve(image, kfp_version, moving, deps=stage == DEPS), stage


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
    """Prints the image runs use; ``--pushable`` checks that it names a registry.

    ``--full``: the full image instead; ``--moving``: its tag without fingerprint; ``--stage``: its stage.
    """
    configured, kfp_version, moving = (
        os.environ.get("PIPE_FICTION_IMAGE"),
        os.environ.get("KFP_VERSION"),
        "--moving" in argv,
    )
    if "--full" in argv:
        image, stage = resolve(configured, kfp_version, moving), FULL
    else:
        image, stage = run_image(configured, kfp_version, moving)
    if "--stage" in argv:
        print(stage)
        return 0
    if "--pushable" in argv and registry(image) is None:
        hint = f"IMAGE=<registry>/<name>, e.g. IMAGE=ghcr.io/you/{image.split(':')[0]}"
        print(f"{image} names no registry: give {hint}", file=sys.stderr)
        return 2
    print(image)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
