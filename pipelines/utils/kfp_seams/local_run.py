"""The seams of a local run: kfp.local's orchestrator reported task by task, and its cache extended.

kfp.local has no hook points, so a run's machinery learns what happens through the functions kfp
calls at each step. :func:`hooked` replaces them for the length of one run and turns their calls
into the declared extension points of :class:`RunHooks`:

- ``task_executor.execute_single_task`` (kfp >= 2.17) runs one task: its cache lookup, then each
  attempt of its retry policy. It is the task-level event: started, then finished once, with its
  outcome (ran, reused, failed) and how many attempts it took.
- ``task_dispatcher.run_single_task_implementation`` and ``importer_handler.run_importer`` run
  one attempt. Below kfp 2.17 (no retries, no cache) an attempt is the whole task, so there they
  are the task-level event too.
- ``executor_input_utils.get_local_pipeline_resource_name`` names the run (its folder).
- ``pipeline_orchestrator.log_and_maybe_raise_for_failure`` receives the failed tasks, innermost first.
- ``LocalCache.compute_key``, ``get`` and ``put`` (kfp >= 2.17): the run may add to a task's key
  and refuse a cached result (a task that must run); entries are read by :mod:`cache_entry`, so
  that a corrupt one is a miss and a metadata-only output is reused.

Each is a :class:`~utils.kfp_seams.seam.Seam` with its versions; the wrappers read the arguments
they need by name through kfp's own signatures.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from utils.kfp_seams import cache_entry
from utils.kfp_seams.seam import Seam, arguments, call_with

RAN, REUSED, FAILED = "ran", "reused", "failed"
COMPONENT_PREFIX = "comp-"
_ITERATION = re.compile(r"-iteration-(\d+)$")

TASK = Seam(
    "kfp.local.orchestrator.task_executor",
    "execute_single_task",
    since=(2, 17),
    until=None,
    parameters=("task_name", "task_spec", "pipeline_resource_name"),
    why="one call per task (cache lookup and every retry inside): the task-level event",
)
ATTEMPT = Seam(
    "kfp.local.task_dispatcher",
    "run_single_task_implementation",
    since=(2, 7),
    until=None,
    parameters=("pipeline_resource_name", "component_name", "arguments"),
    why="one call per attempt of a container task (the whole task below kfp 2.17)",
)
IMPORTER = Seam(
    "kfp.local.importer_handler",
    "run_importer",
    since=(2, 7),
    until=None,
    parameters=("pipeline_resource_name", "component_name", "arguments"),
    why="one call per importer task",
)
RUN_NAME = Seam(
    "kfp.local.executor_input_utils",
    "get_local_pipeline_resource_name",
    since=(2, 7),
    until=None,
    parameters=("pipeline_name",),
    why="the run's name, which is its folder under the pipeline root",
)
FAIL_STACK = Seam(
    "kfp.local.pipeline_orchestrator",
    "log_and_maybe_raise_for_failure",
    since=(2, 7),
    until=None,
    parameters=("fail_stack",),
    why="the failed tasks, innermost first (kfp's exception carries them only in coloured text)",
)
CACHE_KEY = Seam(
    "kfp.local.cache",
    "LocalCache.compute_key",
    since=(2, 17),
    until=None,
    parameters=("self", "component_name", "image", "full_command", "arguments", "env_vars"),
    why="the key misses what kfp cannot see: the package code a task imports, the run's variables",
)
CACHE_GET = Seam(
    "kfp.local.cache",
    "LocalCache.get",
    since=(2, 17),
    until=None,
    parameters=("self", "key"),
    why="a forced task is never served; a corrupt entry is a miss (kfp crashes); metadata-only outputs are reused",
)
CACHE_PUT = Seam(
    "kfp.local.cache",
    "LocalCache.put",
    since=(2, 17),
    until=None,
    parameters=("self", "key", "outputs"),
    why="marks the artifacts a task wrote no file for, so that their entry is not a miss",
)
SUBPROCESS = Seam(
    "kfp.local.subprocess_task_handler",
    "run_local_subprocess",
    since=(2, 7),
    until=None,
    parameters=("full_command",),
    why="a subprocess task's own variables (kfp-kubernetes secrets, config maps) and command (warm workers)",
)
SEAMS = (TASK, ATTEMPT, IMPORTER, RUN_NAME, FAIL_STACK, CACHE_KEY, CACHE_GET, CACHE_PUT, SUBPROCESS)


@dataclass
class TaskRun:
    """One task of a local run, as kfp's orchestrator runs it.

    Attributes:
        component: The task's component in the compiled spec (``comp-train``).
        scope: kfp's resource name for where it runs: the run's folder name, followed by
            ``/for-loop-2-iteration-0`` for each enclosing loop iteration.
        name: The task's name in its DAG, where kfp says it (kfp >= 2.17), else "".
        started: When it started (seconds since the epoch).
        inputs: Its arguments by input name, once kfp has resolved them.
        attempts: How many times it ran (0: reused from the cache).
        reason: Why it was not reused, where the run's hooks can tell (set by them).
    """

    component: str
    scope: str
    name: str = ""
    started: float = field(default_factory=time.time)
    inputs: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0
    reason: str = ""

    @property
    def iteration(self) -> tuple[int, ...]:
        """The indexes of the loop iterations it runs in, outermost first (() outside loops)."""
        return tuple(int(m.group(1)) for part in self.scope.split("/") if (m := _ITERATION.search(part)))

    @property
    def folder(self) -> str:
        """Its outputs' folder, relative to the pipeline root (kfp names it after the component)."""
        return f"{self.scope}/{self.component.removeprefix(COMPONENT_PREFIX)}"


class RunHooks:
    """The extension points of a local run; each does nothing here. Override what you need."""

    def run_named(self, name: str) -> None:
        """The run got its name (its folder under the pipeline root)."""

    def task_started(self, task: TaskRun) -> None:
        """A task is about to be looked up in the cache or run."""

    def attempt_started(self, task: TaskRun) -> None:
        """An attempt of a task starts (``task.attempts`` counts it already)."""

    def task_finished(self, task: TaskRun, outcome: str, outputs: dict[str, Any]) -> None:
        """A task ended: ``ran``, ``reused`` or ``failed``, with its outputs ({} when failed)."""

    def tasks_failed(self, fail_stack: list[str]) -> None:
        """The run failed; the failed tasks, innermost first."""

    def cache_key(self, task: TaskRun | None, image: str, env: dict[str, str], command: list[str]) -> tuple[str, dict]:
        """The image and variables kfp's cache key is computed from; returns them, possibly changed."""
        return image, env

    def key_command(self, task: TaskRun | None, command: list[str]) -> list[str]:
        """The command as kfp's cache key sees it (the task still runs the whole of it)."""
        return command

    def may_reuse(self, task: TaskRun | None) -> bool:
        """Whether the task may be served from the cache."""
        return True

    def cache_unusable(self, task: TaskRun | None, entry: str, problem: str) -> None:
        """A task's cache entry cannot be used (it is a miss); ``problem`` says why, never what it holds."""

    def task_environment(self, task: TaskRun) -> dict[str, str]:
        """Variables this task gets besides the runner's (its kfp-kubernetes secrets, say)."""
        return {}

    def task_command(self, task: TaskRun | None, command: list[str]) -> list[str]:
        """The command a subprocess task is started with (kfp's, as given, here)."""
        return command

    def publishes_ports(self, task: TaskRun) -> bool:
        """Whether this task's container publishes the runner's ports (two at once cannot share one)."""
        return True


class Combined(RunHooks):
    """Several hooks as one: every event reaches each; keys pass through each; reuse needs all to agree."""

    def __init__(self, *hooks: RunHooks) -> None:
        """Combines ``hooks`` in order."""
        self._hooks = hooks

    def run_named(self, name: str) -> None:  # noqa: D102
        for hooks in self._hooks:
            hooks.run_named(name)

    def task_started(self, task: TaskRun) -> None:  # noqa: D102
        for hooks in self._hooks:
            hooks.task_started(task)

    def attempt_started(self, task: TaskRun) -> None:  # noqa: D102
        for hooks in self._hooks:
            hooks.attempt_started(task)

    def task_finished(self, task: TaskRun, outcome: str, outputs: dict[str, Any]) -> None:  # noqa: D102
        for hooks in self._hooks:
            hooks.task_finished(task, outcome, outputs)

    def tasks_failed(self, fail_stack: list[str]) -> None:  # noqa: D102
        for hooks in self._hooks:
            hooks.tasks_failed(fail_stack)

    def cache_key(  # noqa: D102
        self, task: TaskRun | None, image: str, env: dict[str, str], command: list[str]
    ) -> tuple[str, dict]:
        for hooks in self._hooks:
            image, env = hooks.cache_key(task, image, env, command)
        return image, env

    def key_command(self, task: TaskRun | None, command: list[str]) -> list[str]:  # noqa: D102
        for hooks in self._hooks:
            command = hooks.key_command(task, command)
        return command

    def may_reuse(self, task: TaskRun | None) -> bool:  # noqa: D102
        return all(hooks.may_reuse(task) for hooks in self._hooks)

    def cache_unusable(self, task: TaskRun | None, entry: str, problem: str) -> None:  # noqa: D102
        for hooks in self._hooks:
            hooks.cache_unusable(task, entry, problem)

    def task_environment(self, task: TaskRun) -> dict[str, str]:  # noqa: D102
        return {k: v for hooks in self._hooks for k, v in hooks.task_environment(task).items()}

    def task_command(self, task: TaskRun | None, command: list[str]) -> list[str]:  # noqa: D102
        for hooks in self._hooks:
            command = hooks.task_command(task, command)
        return command

    def publishes_ports(self, task: TaskRun) -> bool:  # noqa: D102
        return all(hooks.publishes_ports(task) for hooks in self._hooks)


_current: contextvars.ContextVar[TaskRun | None] = contextvars.ContextVar("pipe_fiction_task", default=None)
_active: list[RunHooks] = []  # the hooks of the run under way (one at a time in a process)
_environ_lock = threading.Lock()


def current_task() -> TaskRun | None:
    """The task being run in this thread, if any."""
    return _current.get()


def task_environment() -> dict[str, str]:
    """The variables the task being run in this thread gets besides the runner's ({} outside a run)."""
    task = _current.get()
    return _active[-1].task_environment(task) if _active and task is not None else {}


def publishes_ports() -> bool:
    """Whether the task being run in this thread publishes the runner's ports (True outside a run)."""
    task = _current.get()
    return _active[-1].publishes_ports(task) if _active and task is not None else True


@contextlib.contextmanager
def hooked(hooks: RunHooks) -> Iterator[None]:
    """Routes what kfp.local does during the block to ``hooks`` (for the installed kfp's seams)."""
    wrappers: dict[Seam, Callable[[Any], Any]] = {
        TASK: lambda original: _task_level(original, hooks),
        ATTEMPT: lambda original: _attempt_level(original, hooks),
        IMPORTER: lambda original: _attempt_level(original, hooks),
        RUN_NAME: lambda original: _naming(original, hooks),
        FAIL_STACK: lambda original: _failing(original, hooks),
        CACHE_KEY: lambda original: _keyed(original, hooks),
        CACHE_GET: lambda original: _looked_up(original, hooks),
        CACHE_PUT: _put_marking,
        SUBPROCESS: _with_task_environment,
    }
    with contextlib.ExitStack() as stack:
        for seam, make in wrappers.items():
            if seam.applies():
                stack.enter_context(seam.replaced(make))
        _active.append(hooks)
        try:
            yield
        finally:
            _active.remove(hooks)


def _succeeded(status: Any) -> bool:
    return getattr(status, "name", str(status)) == "SUCCESS"


def _task_level(original: Callable[..., Any], hooks: RunHooks) -> Callable[..., Any]:
    def execute_single_task(*args: Any, **kwargs: Any) -> Any:
        values = arguments(original, args, kwargs)
        task = TaskRun(
            component=values["task_spec"].component_ref.name,
            scope=values["pipeline_resource_name"],
            name=values["task_name"],
        )
        token = _current.set(task)
        hooks.task_started(task)
        try:
            outputs, status = call_with(original, values)
        except BaseException:
            hooks.task_finished(task, FAILED, {})
            raise
        finally:
            _current.reset(token)
        outcome = (RAN if task.attempts else REUSED) if _succeeded(status) else FAILED
        hooks.task_finished(task, outcome, dict(outputs or {}) if _succeeded(status) else {})
        return outputs, status

    return execute_single_task


def _attempt_level(original: Callable[..., Any], hooks: RunHooks) -> Callable[..., Any]:
    def run_attempt(*args: Any, **kwargs: Any) -> Any:
        values = arguments(original, args, kwargs)
        task = _current.get()
        whole = task is None  # below kfp 2.17: no task-level call around the attempt
        token = None
        if whole:
            task = TaskRun(component=values["component_name"], scope=values["pipeline_resource_name"])
            token = _current.set(task)
            hooks.task_started(task)
        task.inputs = dict(values.get("arguments") or {})
        task.attempts += 1
        hooks.attempt_started(task)
        try:
            outputs, status = call_with(original, values)
        except BaseException:
            if whole:
                hooks.task_finished(task, FAILED, {})
            raise
        finally:
            if token is not None:
                _current.reset(token)
        if whole:
            ok = _succeeded(status)
            hooks.task_finished(task, RAN if ok else FAILED, dict(outputs or {}) if ok else {})
        return outputs, status

    return run_attempt


def _with_task_environment(original: Callable[..., Any]) -> Callable[..., Any]:
    def run_local_subprocess(*args: Any, **kwargs: Any) -> Any:
        values = arguments(original, args, kwargs)
        if _active:
            values["full_command"] = _active[-1].task_command(_current.get(), list(values["full_command"]))
        extra = task_environment()
        if not extra:
            return call_with(original, values)
        if "env_vars" in values:  # kfp >= 2.17 passes a task's variables on
            values["env_vars"] = {**(values.get("env_vars") or {}), **extra}
            return call_with(original, values)
        # Older kfp starts the task with this process's environment: set them for its start only.
        with _environ_lock:
            saved = {k: os.environ.get(k) for k in extra}
            os.environ.update(extra)
            try:
                return call_with(original, values)
            finally:
                for key, value in saved.items():
                    if value is None:
                        os.environ.pop(key, None)
                    else:
                        os.environ[key] = value

    return run_local_subprocess


def _naming(original: Callable[..., str], hooks: RunHooks) -> Callable[..., str]:
    def get_local_pipeline_resource_name(*args: Any, **kwargs: Any) -> str:
        name = original(*args, **kwargs)
        hooks.run_named(name)
        return name

    return get_local_pipeline_resource_name


def _failing(original: Callable[..., Any], hooks: RunHooks) -> Callable[..., Any]:
    def log_and_maybe_raise_for_failure(*args: Any, **kwargs: Any) -> Any:
        hooks.tasks_failed(list(arguments(original, args, kwargs)["fail_stack"]))
        return original(*args, **kwargs)

    return log_and_maybe_raise_for_failure


def _keyed(original: Callable[..., str], hooks: RunHooks) -> Callable[..., str]:
    def compute_key(*args: Any, **kwargs: Any) -> str:
        values = arguments(original, args, kwargs)
        task = _current.get()
        if task is not None:
            task.inputs = dict(values.get("arguments") or {})
        values["image"], values["env_vars"] = hooks.cache_key(
            task, values["image"], dict(values.get("env_vars") or {}), list(values["full_command"])
        )
        values["full_command"] = hooks.key_command(task, list(values["full_command"]))
        return call_with(original, values)

    return compute_key


def _looked_up(original: Callable[..., Any], hooks: RunHooks) -> Callable[..., Any]:
    def get(*args: Any, **kwargs: Any) -> Any:
        values = arguments(original, args, kwargs)
        task = _current.get()
        if not hooks.may_reuse(task):
            return None
        path = cache_entry.entry_path(values["self"].cache_root, values["key"])
        try:
            serialized, present = cache_entry.read(path)
        except cache_entry.BadEntry as problem:
            hooks.cache_unusable(task, path, str(problem))
            return None
        return cache_entry.outputs(serialized) if serialized is not None and present else None

    return get


def _put_marking(original: Callable[..., Any]) -> Callable[..., Any]:
    def put(*args: Any, **kwargs: Any) -> Any:
        values = arguments(original, args, kwargs)
        done = original(*args, **kwargs)
        cache_entry.mark_files_missing_at_put(cache_entry.entry_path(values["self"].cache_root, values["key"]))
        return done

    return put
