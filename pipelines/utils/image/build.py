"""Building the task image: ``make build-image``, and runs that find theirs missing (standard library only).

The image a run uses is the dependency image (the Dockerfile's ``deps`` stage) while code
travels with its tasks, else the full image (:func:`utils.image.tag.run_image`). ``docker
build`` gets its arguments as a list, never through a shell: the base image, the CA bundle's
content, and the kfp and debugpy versions of ``pipelines/uv.lock`` (or ``KFP_VERSION``).

``python3 -m utils.image.build [--full] [--all] [--if-missing]``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from utils.common.paths import codebase
from utils.image.tag import DEPS, FULL, locked_version, resolve, run_image, without_fingerprint


class BuildError(Exception):
    """The engine is missing, or ``docker build`` failed (the message says which)."""


def build_command(
    image: str, stage: str, kfp_version: str | None = None, env: Mapping[str, str] | None = None
) -> list[str]:
    """The ``docker build`` command for one stage of the Dockerfile, tagged with and without fingerprint."""
    env = os.environ if env is None else env
    moving = without_fingerprint(image)
    command = ["docker", "build", "--force-rm", "--target", stage, "--tag", image]
    if moving != image:
        command += ["--tag", moving]
    if env.get("BASE_IMAGE"):
        command += ["--build-arg", f"BASE_IMAGE={env['BASE_IMAGE']}"]
    command += ["--build-arg", f"KFP_VERSION={kfp_version or locked_version('kfp')}"]
    command += ["--build-arg", f"DEBUGPY_VERSION={locked_version('debugpy')}"]
    if env.get("EXTRA_CA_BUNDLE"):
        certificates = Path(env["EXTRA_CA_BUNDLE"]).expanduser().read_text()
        command += ["--build-arg", f"EXTRA_CA_CERTS={certificates}"]
    # The Makefile's PKG (another package folder, as the bench's copy) is the build context.
    return [*command, env.get("PKG") or str(codebase())]


def present(image: str) -> bool:
    """Whether the engine has the image."""
    done = subprocess.run(["docker", "image", "inspect", image], capture_output=True, check=False)
    return done.returncode == 0


def build(image: str, stage: str, kfp_version: str | None = None) -> None:
    """Builds one stage under the image's tags, its output streamed ("Building <image>" first).

    Raises:
        BuildError: If no engine answers, or the build fails.
    """
    if subprocess.run(["docker", "info"], capture_output=True, check=False).returncode != 0:
        raise BuildError("No Docker engine answers: start one (Docker Desktop, or 'sudo systemctl start docker').")
    print(f"Building {image}", flush=True)
    if subprocess.run(build_command(image, stage, kfp_version), check=False).returncode != 0:
        raise BuildError(f"building {image} failed (its output is above)")


def images(full: bool = False, every: bool = False) -> list[tuple[str, str]]:
    """The images asked for, with their stages: the one runs use, the full one, or both."""
    configured, kfp_version = os.environ.get("PIPE_FICTION_IMAGE"), os.environ.get("KFP_VERSION")
    chosen = [(resolve(configured, kfp_version), FULL)] if full else [run_image(configured, kfp_version)]
    if every and chosen[0][1] == DEPS:
        chosen.append((resolve(configured, kfp_version), FULL))
    return chosen


def main(argv: list[str]) -> int:
    """Builds the image runs use (``--full``: the full one; ``--all``: both), or only when missing."""
    try:
        for image, stage in images("--full" in argv, "--all" in argv):
            if "--if-missing" in argv and present(image):
                continue
            build(image, stage, os.environ.get("KFP_VERSION"))
    except (BuildError, OSError) as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
