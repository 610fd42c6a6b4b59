"""Finding the pipeline the scripts run, and what it is made of, without naming it anywhere.

The scripts run the one ``@dsl.pipeline`` defined in ``pipelines/pipeline.py``, whatever its
name (a module-level ``PIPELINE = <function>`` picks one where the file defines several), or
the one ``PIPELINE=module[:function]`` names (``make run-subproc PIPELINE=examples.control_flow``).
"""

from __future__ import annotations

import importlib

from kfp.dsl.graph_component import GraphComponent

from utils.common.errors import PipeFictionError, PipelineNotFoundError
from utils.common.user_code import as_user_error
from utils.pipeline.types import Pipeline

DEFAULT_MODULE = "pipeline"


def load_pipeline(spec: str | None = None) -> Pipeline:
    """Imports the pipeline ``spec`` names: ``module`` or ``module:function`` (default ``pipeline``).

    Args:
        spec: Where the pipeline is; None or empty for ``pipeline.py``'s.

    Returns:
        The ``@dsl.pipeline`` object.

    Raises:
        PipelineNotFoundError: If the module is missing, names no pipeline or several without
            a ``PIPELINE`` choice, or the named function is not a pipeline.
        UserCodeError: If importing it raises (a mistake in the pipeline, its components or your
            package, which kfp often finds when it builds the graph), naming your file and line.
    """
    module_name, _, attribute = (spec or DEFAULT_MODULE).partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name and module_name.startswith(error.name):
            raise PipelineNotFoundError(f"no pipeline module {module_name!r} (run from pipelines/)") from None
        raise as_user_error(error, f"loading {module_name}") from None
    except PipeFictionError:
        raise  # the machinery's own word on it (a broken .env, say), already one line
    except Exception as error:  # your code's, or kfp's about your code: one line naming yours
        raise as_user_error(error, f"loading {module_name}") from None
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


def task_names(pipeline: Pipeline) -> list[str]:
    """The unique names of the tasks that run code, at any depth (``make tasks`` prints them).

    Tasks inside ``dsl.ParallelFor``, ``dsl.If`` and sub-pipelines count; the groups and
    sub-pipeline tasks themselves do not. See :class:`utils.pipeline.task_graph.TaskGraph`.
    """
    from utils.pipeline.task_graph import TaskGraph

    return TaskGraph(pipeline).names()


if __name__ == "__main__":
    # `make tasks`: one task name a line, for people and for the Makefile's messages.
    from utils.common import settings
    from utils.common.cli import run_cli

    def _list() -> int:
        print("\n".join(task_names(load_pipeline(settings.pipeline_spec()))))
        return 0

    run_cli(_list)
