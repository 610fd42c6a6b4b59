"""Every seam, in one list: for the canary tests and the docs."""

from __future__ import annotations

from utils.kfp_seams import docker, local_run, output, parallel_dags, rest_client, task_names
from utils.kfp_seams.seam import Seam


def all_seams() -> list[Seam]:
    """Every seam the machinery has, whether or not the installed kfp needs it (and kfp's pieces it calls)."""
    return [
        *local_run.SEAMS,
        *output.SEAMS,
        *docker.SEAMS,
        *rest_client.SEAMS,
        *task_names.SEAMS,
        *parallel_dags.SEAMS,
        *parallel_dags.BORROWED,
    ]
