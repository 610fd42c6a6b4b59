"""Component functions that trip up source-splicing approaches: decorators, long signatures, docstrings."""

import functools
from typing import NamedTuple

from kfp.dsl import Dataset, Input, Metrics, Output


def logged(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)

    return wrapper


@logged
def awkward(
    count: int,
    label: str = "a ) : def tricky(x):",
    ratio: float = 0.5,
    # a comment inside the signature
    flags: list = None,  # noqa: RUF013
) -> NamedTuple("Outputs", [("total", int), ("text", str)]):
    """Adds things up.

    The docstring mentions def fake(): and has "quotes" and a ''' triple.
    """
    from collections import namedtuple

    outputs = namedtuple("Outputs", ["total", "text"])
    return outputs(count * 2 + len(flags or []), f"{label}|{ratio}")


def with_artifacts(data: Input[Dataset], scale: float, out: Output[Dataset], metrics: Output[Metrics]) -> str:
    """Reads a dataset, writes one, logs a metric."""
    with open(data.path) as f:
        text = f.read()
    with open(out.path, "w") as f:
        f.write(text * int(scale))
    metrics.log_metric("scale", scale)
    return text
