"""The name kfp will give the next task of a pipeline being defined (read, never changed).

kfp names a task when it is created, inside ``@dsl.pipeline``: the component's name, made
Kubernetes-safe, with ``-2``, ``-3``... where the pipeline already has a task of that name
(``pipeline_context.Pipeline.add_task``). Knowing the name before the task exists lets
``@debuggable_component`` bake debugging into exactly the task a user named. Read from kfp's own
helpers and its pipeline context; the canary (``utils/tests/kfp_seams``) checks the prediction
against the names kfp then gives, on the installed kfp.
"""

from __future__ import annotations

from utils.kfp_seams.seam import Seam

PIPELINE_CONTEXT = Seam(
    "kfp.dsl.pipeline_context",
    "Pipeline.get_default_pipeline",
    since=(2, 7),
    until=None,
    parameters=(),
    why="the pipeline being defined and the names of its tasks so far (read only)",
)
UNIQUE_NAME = Seam(
    "kfp.dsl.utils",
    "make_name_unique_by_adding_index",
    since=(2, 7),
    until=None,
    parameters=("name", "collection", "delimiter"),
    why="how kfp makes a repeated task name unique (read only)",
)
SEAMS = (PIPELINE_CONTEXT, UNIQUE_NAME)


def next_task_name(component_name: str) -> str | None:
    """The name a task of this component would get now; None outside a pipeline being defined."""
    from kfp.dsl import pipeline_context
    from kfp.dsl import utils as dsl_utils

    pipeline = pipeline_context.Pipeline.get_default_pipeline()
    if pipeline is None:
        return None
    name = dsl_utils.maybe_rename_for_k8s(component_name)
    return dsl_utils.make_name_unique_by_adding_index(name or "task", list(pipeline.tasks.keys()), "-")
