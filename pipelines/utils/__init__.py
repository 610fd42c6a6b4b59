"""The machinery of the template (see ``utils/README.md``); what components and pipelines use is here.

``from utils import debuggable_component, debug_tasks, task_image, Pipeline``: each is imported
when first asked for, so importing ``utils`` (or one of its sub-packages, as the Makefile does
with the system Python for :mod:`utils.image.tag`) has no side effect and needs no kfp.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from utils.debugging.component import debug_tasks, debuggable_component
    from utils.image.task_image import task_image
    from utils.pipeline.types import Pipeline

_API = {
    "debuggable_component": "utils.debugging.component",
    "debug_tasks": "utils.debugging.component",
    "task_image": "utils.image.task_image",
    "Pipeline": "utils.pipeline.types",
}
__all__ = ["Pipeline", "debug_tasks", "debuggable_component", "task_image"]


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'utils' has no attribute {name!r}")
