"""The images tasks run in, as the run scripts and the components see them.

Components name the full image (``task_image()``: the package installed in it). A run whose
code travels with its tasks (:mod:`utils.task_code.ship`) runs them in the dependency image
instead, so a code edit needs no build and no push: :func:`for_run` decides, once per run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from loguru import logger

from utils.common import settings
from utils.common.paths import codebase
from utils.image.tag import DEPS, FULL, resolve, shipping_blocker
from utils.image.tag import run_image as image_for_runs
from utils.pipeline.types import Pipeline
from utils.task_code.ship import Shipping, ship


def _kfp() -> str:
    import kfp

    return kfp.__version__


def _settings() -> dict[str, str]:
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
    return resolve(settings.get("PIPE_FICTION_IMAGE"), _kfp())


def run_image() -> str:
    """The image a Docker or cluster run uses when its code travels with its tasks, else the full image."""
    return image_for_runs(settings.get("PIPE_FICTION_IMAGE"), _kfp(), env=_settings())[0]


def shipping() -> tuple[Shipping | None, str | None]:
    """How code travels with the tasks of a run, or why it cannot (then they run the full image)."""
    image, stage = image_for_runs(settings.get("PIPE_FICTION_IMAGE"), _kfp(), env=_settings())
    if stage != DEPS:
        return None, shipping_blocker(_settings())
    return Shipping(image=image, replaces=task_image(), codebase=codebase()), None


@dataclass(frozen=True)
class RunImage:
    """What a Docker or cluster run runs: the pipeline as submitted, its image and that image's stage.

    Attributes:
        pipeline: The pipeline whose tasks carry their code, or the one given (full image).
        image: The image its tasks of the package run in.
        stage: The Dockerfile stage that builds it (``deps`` or ``full``).
        carried: Per executor, the package files its command carries.
        reason: Why the code travels in the image instead (None when it travels with the tasks).
    """

    pipeline: Pipeline
    image: str
    stage: str
    carried: dict[str, list[str]] = field(default_factory=dict)
    reason: str | None = None


def for_run(pipeline: Pipeline) -> RunImage:
    """The pipeline a Docker or cluster run submits: its tasks carrying their code where they can.

    Where they cannot, says why in one line and names the full image, as before shipping.
    """
    plan, reason = shipping()
    if plan is not None:
        shipped = ship(pipeline, plan)
        if shipped.blocked is None and shipped.tasks:
            logger.debug("code travels with the tasks: {}", shipped.tasks)
            return RunImage(shipped.pipeline, plan.image, DEPS, shipped.tasks)
        reason = shipped.blocked
    if reason:
        logger.info("Code travels in the image, not with the tasks: {}", reason)
    return RunImage(pipeline, task_image(), FULL, reason=reason)
