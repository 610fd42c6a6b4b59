"""The images tasks run in, as the components see them (light: components import it).

Components name the full image (``task_image()``: the package installed in it). A run whose
code travels with its tasks runs them in the dependency image instead (``run_image()``), so a
code edit needs no build and no push: :func:`utils.image.shipping.for_run` decides, once per run.
"""

from __future__ import annotations

from utils.common import settings
from utils.image.tag import resolve
from utils.image.tag import run_image as image_for_runs


def kfp_version() -> str:
    """The installed kfp's version (the images bake the same one in)."""
    import kfp

    return kfp.__version__


def image_settings() -> dict[str, str]:
    """The image settings, from the environment or ``pipelines/.env``."""
    names = ("PIPE_FICTION_IMAGE", "PIPE_FICTION_SHIP_CODE")
    return {name: value for name in names if (value := settings.get(name)) is not None}


def task_image() -> str:
    """The full image, as ``make build-image`` tags it (for the kfp installed here): what components name.

    ``PIPE_FICTION_IMAGE`` with a tag is used as given; a name without one (``ghcr.io/me/name``)
    and the default name get the tag that fingerprints the working tree's package
    (:func:`utils.image.tag.resolve`), so a fresh clone needs no setting and no run uses an
    image of older code.
    """
    return resolve(settings.get("PIPE_FICTION_IMAGE"), kfp_version())


def run_image() -> str:
    """The image a Docker or cluster run uses when its code travels with its tasks, else the full image."""
    return image_for_runs(settings.get("PIPE_FICTION_IMAGE"), kfp_version(), env=image_settings())[0]
