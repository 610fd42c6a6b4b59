"""Pipelines of ``make bench``'s own: what its figures need and the demo may not have.

``heavy_start``: three tasks that import a heavy ML stack and do nothing else, for the start-up
a task pays before its first line (a fresh Python against a warm worker).

``fan_out``: four independent tasks that wait without using the CPU, then one that joins them:
the tasks kfp.local runs one after another and a run here runs at once.
"""

from kfp import dsl

from utils import debuggable_component, task_image

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


@debuggable_component(base_image=IMAGE, install_kfp_package=False)
def wait(seconds: float, label: str) -> str:
    """Waits without using the CPU, printing a line before and after; returns its label."""
    import time

    print(f"{label}: waiting {seconds} s")
    time.sleep(seconds)
    print(f"{label}: done")
    return label


@debuggable_component(base_image=IMAGE, install_kfp_package=False)
def join(a: str, b: str, c: str, d: str) -> str:
    """Joins four labels in a fixed order."""
    return "+".join([a, b, c, d])


@dsl.pipeline(name="parallel-fan-out")
def fan_out(seconds: float = 2.0) -> str:
    """Four independent waiting tasks, then a task that needs all of them."""
    branches = [wait(seconds=seconds, label=label) for label in ("a", "b", "c", "d")]
    return join(a=branches[0].output, b=branches[1].output, c=branches[2].output, d=branches[3].output).output
