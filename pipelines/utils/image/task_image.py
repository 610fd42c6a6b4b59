"""The image the components run in, as the run scripts and the components see it."""

from __future__ import annotations

from utils.common import settings
from utils.image.tag import resolve


def task_image() -> str:
    """The image every component runs in, as ``make build-image`` tags it (for the kfp installed here).

    ``PIPE_FICTION_IMAGE`` with a tag is used as given; a name without one (``ghcr.io/me/name``)
    and the default name get the tag that fingerprints the working tree's package
    (:func:`utils.image.tag.resolve`), so a fresh clone needs no setting and no run uses an
    image of older code.
    """
    import kfp

    return resolve(settings.get("PIPE_FICTION_IMAGE"), kfp.__version__)
