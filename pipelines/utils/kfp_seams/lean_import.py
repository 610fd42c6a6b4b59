"""Importing kfp for a local run without its cluster client: about 0.4 s off every run.

``kfp/__init__.py`` imports ``kfp.components``, ``kfp.dsl`` and ``kfp.client`` (which brings
the whole kubernetes client) unless ``_KFP_RUNTIME`` is ``true``: the variable kfp's own task
command sets, so that a task starts without them. A local run never talks to a cluster, so the
run scripts import the ``kfp`` package itself the same way: the variable is set only while
``kfp/__init__.py`` runs and restored at once, so nothing else sees it (tasks do not inherit it)
and every sub-package still comes whole when imported by name (``from kfp import dsl, local``).
``kfp.Client`` and ``kfp.components`` are then there once ``kfp.client`` / ``kfp.components``
are imported, as the cluster code does.

Applies to kfp 2.7 to 2.17 (the guard is the same in each); the canary in
``utils/tests/kfp_seams/test_lean_import.py`` fails when a kfp drops it.
"""

from __future__ import annotations

import os
import sys

VARIABLE = "_KFP_RUNTIME"


def import_kfp_without_cluster_client() -> None:
    """Imports the ``kfp`` package bare, unless something imported it already (then it does nothing)."""
    if "kfp" in sys.modules:
        return
    before = os.environ.get(VARIABLE)
    os.environ[VARIABLE] = "true"
    try:
        import kfp  # noqa: F401
    finally:
        if before is None:
            os.environ.pop(VARIABLE, None)
        else:
            os.environ[VARIABLE] = before
