"""Finding the pipeline the scripts run, and what it is made of, without naming it anywhere.

The scripts run the one ``@dsl.pipeline`` defined in ``pipelines/pipeline.py``, whatever its
name (a module-level ``PIPELINE = <function>`` picks one where the file defines several), or
the one ``PIPELINE=module[:function]`` names (``make run-subproc PIPELINE=examples.control_flow``).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

from kfp.dsl.graph_component import GraphComponent

from utils.common.errors import PipelineNotFoundError

DEFAULT_MODULE = "pipeline"


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


def _dag_tasks(pipeline: Any) -> Iterator[tuple[str, Any]]:
    """Every task of the compiled spec, at any depth: (name, task spec)."""
    spec = pipeline.pipeline_spec
    for component in [spec.root, *spec.components.values()]:
        if component.WhichOneof("implementation") == "dag":
            yield from component.dag.tasks.items()


def task_names(pipeline: Any) -> list[str]:
    """The names of the tasks that run code, found in the compiled spec at any depth.

    Tasks inside ``dsl.ParallelFor``, ``dsl.If`` and sub-pipelines count; the groups and
    sub-pipeline tasks themselves (components that are DAGs) do not.
    """
    components = pipeline.pipeline_spec.components
    return sorted(
        {
            name
            for name, task in _dag_tasks(pipeline)
            if task.component_ref.name in components
            and components[task.component_ref.name].WhichOneof("implementation") == "executor_label"
        }
    )


def task_components(pipeline: Any) -> dict[str, str]:
    """Each component's task name, for the components exactly one task runs (at any depth)."""
    tasks: dict[str, list[str]] = {}
    for name, task in _dag_tasks(pipeline):
        tasks.setdefault(task.component_ref.name, []).append(name)
    return {component: names[0] for component, names in tasks.items() if len(names) == 1}


def downstream(pipeline: Any, names: set[str]) -> set[str]:
    """The named tasks and every task that depends on them, through groups and sub-pipelines.

    A group (loop, condition, sub-pipeline) that depends on a task brings in every task inside it.
    """
    components = pipeline.pipeline_spec.components
    inside: dict[str, set[str]] = {}

    def within(task: Any) -> set[str]:
        component = components.get(task.component_ref.name)
        if component is None or component.WhichOneof("implementation") != "dag":
            return set()
        key = task.component_ref.name
        if key not in inside:
            inside[key] = set()
            for name, child in component.dag.tasks.items():
                inside[key] |= {name} | within(child)
        return inside[key]

    tasks = list(_dag_tasks(pipeline))
    found = set(names)
    while True:
        reached = {name for name, task in tasks if name in found or within(task) & found}
        more = {inner for name, task in tasks if set(task.dependent_tasks) & reached for inner in {name} | within(task)}
        if more <= found:
            return found
        found |= more


if __name__ == "__main__":
    # `make tasks`: one task name a line, for people and for the Makefile's messages.
    from utils.common import settings
    from utils.common.cli import run_cli

    def _list() -> int:
        print("\n".join(task_names(load_pipeline(settings.pipeline_spec()))))
        return 0

    run_cli(_list)
