"""The tasks of a compiled pipeline, at any depth, and the names a user gives them.

A task is named in its DAG (``verdict``, ``verdict-2``); tasks inside ``dsl.ParallelFor``,
``dsl.If`` and sub-pipelines sit in DAGs of their own. Each task has its own component in the
compiled spec (``comp-verdict-2``), which is also how kfp.local names its outputs' folder
(``verdict-2``), so a task found at run time by its component is found here too. Names repeat only
across sub-pipelines; those are qualified by the DAG they sit in (``inner-pipeline/make-words``),
so every name :meth:`TaskGraph.names` lists (the names ``make tasks`` prints and ``TASK=`` takes)
is one task.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from utils.common.errors import UnknownTaskError
from utils.pipeline.types import Pipeline

COMPONENT_PREFIX = "comp-"
# The DAGs kfp makes for control flow (named by the compiler); any other DAG is a sub-pipeline.
_GROUP = re.compile(r"^(for-loop|condition|condition-branches|exit-handler)-\d+$")


def normalise(name: str) -> str:
    """``train_model`` and ``Train-Model`` both name the task ``train-model``."""
    return name.strip().lower().replace("_", "-")


@dataclass(frozen=True)
class TaskNode:
    """A node of a pipeline's DAGs: a task that runs code, or a group (loop, condition, sub-pipeline).

    Attributes:
        name: Its name in its DAG.
        component: Its component in the compiled spec.
        path: The names of the groups it sits in, outermost first.
        depends_on: The names of the nodes of its own DAG it waits for.
        is_group: Whether it is a DAG itself.
        is_loop: Whether it is a ``dsl.ParallelFor``.
    """

    name: str
    component: str
    path: tuple[str, ...]
    depends_on: tuple[str, ...] = ()
    is_group: bool = False
    is_loop: bool = False

    @property
    def id(self) -> tuple[str, ...]:
        """Where it is: its path and its name."""
        return (*self.path, self.name)

    @property
    def folder(self) -> str:
        """The folder kfp.local writes its outputs into (its component's name without ``comp-``)."""
        return self.component.removeprefix(COMPONENT_PREFIX)


class TaskGraph:
    """Every node of a compiled pipeline, with the unique names of its tasks."""

    def __init__(self, pipeline: Pipeline) -> None:
        """Reads the compiled spec of a ``@dsl.pipeline`` (its ``pipeline_spec``)."""
        spec = pipeline.pipeline_spec
        self._components = spec.components
        self.nodes: list[TaskNode] = []
        self._walk(spec.root.dag, ())
        self.tasks = [node for node in self.nodes if not node.is_group]
        self._loops = {node.id for node in self.nodes if node.is_loop}
        # Names repeat only across sub-pipelines: the pipeline's own tasks keep their names, a
        # repeated name inside a sub-pipeline is qualified by the sub-pipelines it sits in.
        repeated = {name for name in (n.name for n in self.tasks) if sum(n.name == name for n in self.tasks) > 1}
        self._keys: dict[tuple[str, ...], str] = {}
        for node in self.tasks:
            pipelines = [part for part in node.path if not _GROUP.match(part)]
            self._keys[node.id] = "/".join([*pipelines, node.name]) if node.name in repeated else node.name

    def _walk(self, dag: Any, path: tuple[str, ...]) -> None:
        for name, task in dag.tasks.items():
            component = self._components.get(task.component_ref.name)
            is_group = component is not None and component.WhichOneof("implementation") == "dag"
            node = TaskNode(
                name=name,
                component=task.component_ref.name,
                path=path,
                depends_on=tuple(d for d in task.dependent_tasks if d in dag.tasks),
                is_group=is_group,
                is_loop=bool(task.WhichOneof("iterator")),
            )
            self.nodes.append(node)
            if is_group:
                self._walk(component.dag, (*path, name))

    def key(self, node: TaskNode) -> str:
        """The task's unique name (what ``make tasks`` prints)."""
        return self._keys[node.id]

    def names(self) -> list[str]:
        """The unique names of the tasks that run code, sorted."""
        return sorted(self._keys.values())

    def find(self, name: str) -> TaskNode:
        """The task a user named (``TASK=``, ``--debug``, ``--rerun``).

        Raises:
            UnknownTaskError: If no task has that name, listing the names there are.
        """
        wanted = normalise(name)
        for node in self.tasks:
            if self._keys[node.id] == wanted:
                return node
        raise UnknownTaskError(f"no task {name!r} in the pipeline; its tasks: {', '.join(self.names())}")

    def find_all(self, names: Iterable[str]) -> list[TaskNode]:
        """:meth:`find` for each name."""
        return [self.find(name) for name in names]

    def of_component(self, component: str, name: str = "") -> TaskNode | None:
        """The task a run reports by its component (and, where kfp says it, its name)."""
        found = [node for node in self.tasks if node.component == component]
        return next((node for node in found if node.name == name), found[0] if found else None)

    def in_loop(self, node: TaskNode) -> bool:
        """Whether the task runs once per iteration of a ``dsl.ParallelFor``."""
        return any(node.path[:depth] in self._loops for depth in range(1, len(node.path) + 1))

    def downstream(self, tasks: Iterable[TaskNode]) -> list[TaskNode]:
        """The given tasks and every task that depends on them, through groups and sub-pipelines.

        A group (loop, condition, sub-pipeline) that depends on a task brings in every task inside it.
        """
        inside = {node.id: {t.id for t in self.tasks if t.id[: len(node.id)] == node.id} for node in self.nodes}
        dependents: dict[tuple[str, ...], list[TaskNode]] = {}
        for node in self.nodes:
            for name in node.depends_on:
                dependents.setdefault((*node.path, name), []).append(node)
        found = {node.id for node in tasks}
        while True:
            more = set()
            for node in self.nodes:
                if inside[node.id] & found:
                    for dependent in dependents.get(node.id, []):
                        more |= inside[dependent.id]
            if more <= found:
                return [node for node in self.tasks if node.id in found]
            found |= more
