"""Pipelines of ``make bench``'s own: what its figures need and the demo may not have.

``heavy_start``: three tasks that import a heavy ML stack and do nothing else, for the start-up
a task pays before its first line (a fresh Python against a warm worker).
"""

from kfp import dsl

from utils import task_image

IMAGE = task_image()


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def import_stack(step: int) -> int:
    """Imports pandas and pyarrow (and scikit-learn where installed), then returns at once."""
    import contextlib

    import pandas  # noqa: F401
    import pyarrow  # noqa: F401

    with contextlib.suppress(ImportError):
        import sklearn.ensemble  # noqa: F401
    return step + 1


@dsl.pipeline(name="bench-heavy-start")
def heavy_start() -> int:
    """Three heavy-import tasks in a row."""
    first = import_stack(step=0)
    second = import_stack(step=first.output)
    return import_stack(step=second.output).output
