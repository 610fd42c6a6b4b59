"""Where kfp.local's task output goes: it relays every task's lines with ``print`` in this process.

kfp's subprocess and Docker handlers read a task's output and ``print`` it, so the only place to
see (and filter, and record) that output is ``sys.stdout`` while a run is under way. kfp also warns
about task settings that mean nothing locally; those warnings are expected here and silenced for
the run (and only for it).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from utils.kfp_seams.seam import Seam

STDOUT = Seam(
    "sys",
    "stdout",
    since=(2, 7),
    until=None,
    parameters=(),
    why="kfp prints each task's output line by line in this process",
)
SEAMS = (STDOUT,)
# Expected here, so not worth a warning on every task: display names only show in the cluster
# UI (kfp >= 2.17 says so per task), and the subprocess runner uses this venv, not the image.
QUIET_WARNINGS = (
    r".*settings \['display_name'\] have no effect",
    r".*uses custom or non-Python base image",
)


@contextlib.contextmanager
def routed(make_stream: Callable[[TextIO], Any]) -> Iterator[None]:
    """Sends what is printed during the block through ``make_stream(the real stdout)``, flushed at the end."""
    with STDOUT.replaced(make_stream):
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                STDOUT.current().flush()


@contextlib.contextmanager
def quiet_kfp_warnings() -> Iterator[None]:
    """Silences the warnings kfp.local gives for settings that apply only in a cluster, for the block."""
    with warnings.catch_warnings():
        for message in QUIET_WARNINGS:
            warnings.filterwarnings("ignore", message=message)
        yield
