"""Reusing unchanged tasks in local runs: kfp >= 2.17's local cache, keyed on the code a task runs.

kfp's own key (component, image, command, arguments, the task's variables) misses a change to
the editable package a component body imports: the command holds the body, not the package.
While a run is under way, ``LocalCache.compute_key`` gets three more variables: the task's code
fingerprint (:mod:`utils.local.code`), the runner, and the variables the run script sets
in every task. For a Python task the image's fingerprint then leaves the key, so that in Docker
too an edit reruns only the tasks that import the edited module. Forced tasks (``--rerun``, the
debugged task, and what depends on them) miss the cache, run, and refresh their entry.
"""

from __future__ import annotations

import contextlib
import inspect
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import kfp
from kfp import local

from utils.common import settings
from utils.image.tag import without_fingerprint
from utils.local.code import task_fingerprint

CODE_VARIABLE, RUNNER_VARIABLE = "PIPE_FICTION_CODE", "PIPE_FICTION_RUNNER"


@dataclass(frozen=True)
class ReuseOptions:
    """How a local run reuses tasks.

    Attributes:
        enabled: Reuse unchanged tasks (``--no-cache`` turns it off).
        forced: Components that run whatever the cache holds.
        environment: Variables every task gets from the run script (part of each key).
    """

    enabled: bool = True
    forced: frozenset[str] = frozenset()
    environment: dict[str, str] = field(default_factory=dict)


def supported() -> bool:
    """Whether this kfp has a local task cache (2.17 and newer)."""
    return "enable_caching" in inspect.signature(local.init).parameters


def _active(options: ReuseOptions | None) -> bool:
    return options is not None and options.enabled and supported()


def init_options(options: ReuseOptions | None) -> dict[str, Any]:
    """The ``local.init`` arguments that switch kfp's cache on (none where it is off or missing)."""
    return {"enable_caching": True, "cache_root": str(settings.cache_dir())} if _active(options) else {}


def notice(options: ReuseOptions | None) -> str | None:
    """The one line to show when reuse was asked for but this kfp cannot do it."""
    if options is not None and options.enabled and not supported():
        return f"reusing unchanged tasks needs kfp 2.17 or newer (this is kfp {kfp.__version__}): every task runs"
    return None


@contextlib.contextmanager
def keyed_on_code(
    options: ReuseOptions | None, runner: str, on_reuse: Callable[[str, float, Any, Any], None]
) -> Iterator[None]:
    """Extends kfp's cache key while the block runs; reports each reused task to ``on_reuse``.

    Args:
        options: The run's options (None or disabled: nothing is changed).
        runner: ``subprocess`` or ``docker``: results are reused within one kind of runner.
        on_reuse: Called with the component's name, when its lookup started, its arguments and
            the reused outputs.
    """
    if not _active(options):
        yield
        return
    from kfp.local.cache import LocalCache

    compute_key, get = LocalCache.compute_key, LocalCache.get
    lookups: dict[str, tuple[str, float, Any]] = {}
    # One fingerprint per command and run: the iterations of a loop share their component's.
    fingerprints: dict[tuple[str, ...], str | None] = {}
    lock = threading.Lock()

    def keyed(
        self: Any,
        component_name: str,
        image: str,
        full_command: list[str],
        arguments: dict[str, Any],
        env_vars: dict[str, str] | None = None,
        custom_cache_key: str | None = None,
    ) -> str:
        started = time.time()
        env_vars = {**(env_vars or {}), **options.environment, RUNNER_VARIABLE: runner}
        command = tuple(full_command)
        if command not in fingerprints:
            fingerprints[command] = task_fingerprint(command)
        code = fingerprints[command]
        if code is not None:
            env_vars[CODE_VARIABLE] = code
            image = without_fingerprint(image)
        key = compute_key(self, component_name, image, full_command, arguments, env_vars, custom_cache_key)
        with lock:
            lookups[key] = (component_name, started, arguments)
        return key

    def looked_up(self: Any, key: str) -> Any:
        with lock:
            component, started, arguments = lookups.get(key, ("", time.time(), {}))
        if component in options.forced:
            return None
        found = get(self, key)
        if found is not None:
            on_reuse(component, started, arguments, found)
        return found

    LocalCache.compute_key, LocalCache.get = keyed, looked_up
    try:
        yield
    finally:
        LocalCache.compute_key, LocalCache.get = compute_key, get
