"""Finding the pipeline the scripts run, and what it is made of, without naming it anywhere.

The scripts run the one ``@dsl.pipeline`` defined in ``pipelines/pipeline.py``, whatever its
name (a module-level ``PIPELINE = <function>`` picks one where the file defines several), or
the one ``PIPELINE=module[:function]`` names (``make run-subproc PIPELINE=examples.control_flow``).
"""

from __future__ import annotations

import importlib
from typing import Any

from kfp.dsl.graph_component import GraphComponent

from utils.errors import PipeFictionError

DEFAULT_MODULE = "pipeline"


class PipelineNotFoundError(PipeFictionError):
    """The module or function named as the pipeline is not there, or is not one pipeline."""


def load_pipeline(spec: str | None = None) -> GraphComponent:
    """Imports the pipeline ``spec`` names: ``module`` or ``module:function`` (default ``pipeline``).

    Args:
        spec: Where the pipeline is; None or empty for ``pipeline.py``'s.

    Returns:
        The ``@dsl.pipeline`` object.

    Raises:
        PipelineNotFoundError: If the module is missing, names no pipeline or several without
            a ``PIPELINE`` choice, or the named function is not a pipeline.
    """
    module_name, _, attribute = (spec or DEFAULT_MODULE).partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name and module_name.startswith(error.name):
            raise PipelineNotFoundError(f"no pipeline module {module_name!r} (run from pipelines/)") from None
        raise
    if attribute:
        found = getattr(module, attribute, None)
        if not isinstance(found, GraphComponent):
            raise PipelineNotFoundError(f"{module_name}:{attribute} is not a @dsl.pipeline")
        return found
    chosen = getattr(module, "PIPELINE", None)
    if isinstance(chosen, GraphComponent):
        return chosen
    # Only pipelines defined in this module: one it imports from elsewhere is not "its" pipeline.
    own = [
        value
        for value in vars(module).values()
        if isinstance(value, GraphComponent) and getattr(value.pipeline_func, "__module__", None) == module.__name__
    ]
    if len(own) == 1:
        return own[0]
    if not own:
        raise PipelineNotFoundError(f"{module_name} defines no @dsl.pipeline")
    names = ", ".join(sorted(p.pipeline_func.__name__ for p in own))
    raise PipelineNotFoundError(
        f"{module_name} defines several pipelines ({names}): set PIPELINE = <one of them> in it, "
        f"or name one: PIPELINE={module_name}:<function>"
    )


def task_names(pipeline: Any) -> list[str]:
    """The names of the tasks that run code, found in the compiled spec at any depth.

    Tasks inside ``dsl.ParallelFor``, ``dsl.If`` and sub-pipelines count; the groups and
    sub-pipeline tasks themselves (components that are DAGs) do not.
    """
    spec = pipeline.pipeline_spec
    names: set[str] = set()
    for component in [spec.root, *spec.components.values()]:
        if component.WhichOneof("implementation") != "dag":
            continue
        for name, task in component.dag.tasks.items():
            target = spec.components.get(task.component_ref.name)
            if target is not None and target.WhichOneof("implementation") == "executor_label":
                names.add(name)
    return sorted(names)


if __name__ == "__main__":
    # `make tasks`: one task name a line, for people and for the Makefile's messages.
    from utils import settings
    from utils.errors import run_cli

    def _list() -> int:
        print("\n".join(task_names(load_pipeline(settings.pipeline_spec()))))
        return 0

    run_cli(_list)
