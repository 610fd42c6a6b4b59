"""Whether a Docker or cluster run's tasks carry their code, and the pipeline and image it then runs.

:func:`for_run` is asked once per run (``make run-docker``, ``make debug-docker``, ``make
compile``, ``make run-k8s``): the tasks carry their code and run the dependency image
(:mod:`utils.task_code.ship`), or, where that cannot apply, run the full image as named, with
one line saying why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from loguru import logger

from utils.common import settings
from utils.common.paths import codebase
from utils.image.tag import DEPS, FULL, resolve, shipping_blocker
from utils.image.task_image import image_settings, kfp_version, task_image
from utils.pipeline.types import Pipeline
from utils.task_code.ship import Shipping, ship


def shipping() -> tuple[Shipping | None, str | None]:
    """How code travels with the tasks of a run, or why it cannot (then they run the full image)."""
    reason = shipping_blocker(image_settings())
    if reason:
        return None, reason
    image = resolve(settings.get("PIPE_FICTION_IMAGE"), kfp_version(), deps=True)
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
