"""Your code travels with its tasks: each task's command carries the package modules it runs.

A lightweight component's command holds its function's source. Shipping puts ahead of that
function :func:`utils.task_code.loader.pipe_fiction_code` and a call to it with the task's
files (:mod:`utils.task_code.bundle`), and points the task at the dependency image (the
Dockerfile's ``deps`` stage). So a code edit needs no image build and no push, and a task's
command, and with it a KFP backend's cache key for it, changes only when its own code does.

Which files: those importing runs, followed from the component's imports through your package
(:func:`utils.task_code.imports.executed_files`): every module the task imports, each package's
``__init__.py`` and whatever that imports, and the package's non-Python files. A package whose
``__init__.py`` imports all its modules therefore puts all of them in every task that imports
it; keep it thin for tasks that change one by one. Components of other images are left alone.
"""

from __future__ import annotations

import ast
import copy
import dataclasses
import inspect
import re
from pathlib import Path
from typing import Any

from google.protobuf import json_format, struct_pb2

from utils.pipeline.types import Pipeline
from utils.task_code.bundle import bundle, unbundle
from utils.task_code.imports import executed_files
from utils.task_code.loader import ROOT, pipe_fiction_code
from utils.task_code.policy import package_files


@dataclasses.dataclass(frozen=True)
class Shipping:
    """Where code travels: from the full image's name to the dependency image's, for one codebase."""

    image: str
    replaces: str
    codebase: Path


@dataclasses.dataclass
class Shipped:
    """A pipeline whose tasks carry their code, or why it could not be (the pipeline unchanged)."""

    pipeline: Pipeline
    tasks: dict[str, list[str]]  # executor -> the files it carries
    blocked: str | None = None


def _function_source_index(container: dict[str, Any]) -> tuple[int, str] | None:
    args = container.get("args") or []
    if "--function_to_execute" not in args:
        return None
    function = args[args.index("--function_to_execute") + 1]
    for index, item in enumerate(container.get("command") or []):
        if f"def {function}(" in item:
            return index, function
    return None


def _with_loader(source: str, function: str, files: str) -> str:
    """The component's source with the loader defined and called just before its function."""
    lines = source.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith(f"def {function}("))
    loader = inspect.getsource(pipe_fiction_code)
    call = f"pipe_fiction_code({files!r}, {ROOT!r})\n"
    return "".join([*lines[:start], loader, "\n\n", call, "\n\n", *lines[start:]])


def task_files(source: str, codebase: Path) -> list[Path]:
    """The files of your package a component's source runs, with the package's non-Python files."""
    ran = {p for p in executed_files([source]) if p.is_relative_to(codebase)}
    if not ran:
        return []
    data = [p for p in package_files(codebase) if p.suffix != ".py"]
    return sorted(ran | set(data))


def ship(pipeline: Pipeline, shipping: Shipping) -> Shipped:
    """A copy of the pipeline whose Python tasks of the full image carry their code and run the dependency image.

    Returns:
        The shipped pipeline with the files per executor; or, when a container component runs
        the full image (its command may use the package, which only the full image holds), the
        pipeline unchanged and why.
    """
    spec = copy.deepcopy(pipeline.pipeline_spec)
    deployment = json_format.MessageToDict(spec.deployment_spec)
    carried: dict[str, list[str]] = {}
    for name, executor in sorted(deployment.get("executors", {}).items()):
        container = executor.get("container")
        if not container or container.get("image") != shipping.replaces:
            continue
        found = _function_source_index(container)
        if found is None:
            return Shipped(pipeline, {}, f"the container component {name.removeprefix('exec-')} runs the task image")
        index, function = found
        files = task_files(container["command"][index], shipping.codebase)
        if files:  # a task that runs none of your code keeps its command as it is
            container["command"][index] = _with_loader(
                container["command"][index], function, bundle(files, shipping.codebase)
            )
        container["image"] = shipping.image
        carried[name] = [p.relative_to(shipping.codebase).as_posix() for p in files]
    struct = struct_pb2.Struct()
    struct.update(deployment)
    spec.deployment_spec.CopyFrom(struct)
    return Shipped(_with_spec(pipeline, spec), carried)


def _with_spec(pipeline: Pipeline, spec: Any) -> Pipeline:
    """A shallow copy of the pipeline whose graph is ``spec`` (the original stays as it was)."""
    shipped = copy.copy(pipeline)
    implementation = dataclasses.replace(pipeline.component_spec.implementation, graph=spec)
    shipped.component_spec = dataclasses.replace(pipeline.component_spec, implementation=implementation)
    return shipped


def carried_files(source: str) -> dict[str, bytes] | None:
    """The files a shipped component's source carries, by path under the package folder; None if it carries none."""
    for node in ast.parse(source).body:
        call = node.value if isinstance(node, ast.Expr) else None
        if isinstance(call, ast.Call) and getattr(call.func, "id", None) == pipe_fiction_code.__name__:
            return unbundle(ast.literal_eval(call.args[0]))
    return None


_CARRIED = re.compile(rf"^({pipe_fiction_code.__name__}\(')[A-Za-z0-9+/=]*(', )", re.MULTILINE)


def without_carried_code(source: str) -> str:
    """The component source with the files it carries left out (for a key that counts the code by its own hash)."""
    return _CARRIED.sub(r"\1\2", source)
