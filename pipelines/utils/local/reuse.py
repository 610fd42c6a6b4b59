"""Reusing unchanged tasks in local runs: kfp >= 2.17's local cache, keyed on the code a task runs.

kfp's own key (component, image, command, arguments, the task's variables) misses a change to
the editable package a component body imports: the command holds the body, not the package.
While a run is under way, kfp's key gets three more variables (:class:`TaskReuse`, through
:mod:`utils.kfp_seams.local_run`): the task's code
fingerprint (:mod:`utils.local.code`), the runner, and the variables the run script sets
in every task. For a Python task the image's fingerprint then leaves the key, so that in Docker
too an edit reruns only the tasks that import the edited module. Forced tasks (``--rerun``, the
debugged task, and what depends on them) miss the cache, run, and refresh their entry.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import kfp
from kfp import local
from loguru import logger

from utils.common import settings
from utils.image.tag import without_fingerprint
from utils.kfp_seams.local_run import RunHooks, TaskRun
from utils.local.code import task_fingerprint

# Names in the key only (no task sees them): the code, the runner, the run's inputs, the image's content.
CODE_VARIABLE, RUNNER_VARIABLE = "PIPE_FICTION_CODE", "PIPE_FICTION_RUNNER"
INPUT_PREFIX, IMAGE_ID_VARIABLE = "PIPE_FICTION_INPUT_", "PIPE_FICTION_IMAGE_ID"


@dataclass(frozen=True)
class ReuseOptions:
    """How a local run reuses tasks.

    Attributes:
        enabled: Reuse unchanged tasks (``--no-cache`` turns it off).
        forced: Components that run whatever the cache holds.
        environment: Variables every task gets from the run script (part of each key).
        inputs: What else a run hands its tasks that changes what they read (the data folder,
            its files' state), by name; part of each key.
        image_id: The content id of a task image whose tag is not fingerprinted (``IMAGE=name:tag``),
            so that a rebuild under the same tag is never served an older result.
    """

    enabled: bool = True
    forced: frozenset[str] = frozenset()
    environment: dict[str, str] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)
    image_id: str | None = None


def folder_stamp(folder: Path, limit: int = 20_000) -> str:
    """A folder's path and the state of its files (names, sizes, modification times), hashed.

    A task that reads a file of it then reruns when the file changes. Past ``limit`` files, the
    rest count by their number only.
    """
    digest = hashlib.sha256(str(folder).encode() + b"\0")
    count = 0
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        count += 1
        if count > limit:
            continue
        with contextlib.suppress(OSError):
            info = path.stat()
            digest.update(f"{path.relative_to(folder)}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())
    digest.update(str(count).encode())
    return f"{folder} {digest.hexdigest()[:16]}"


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


class TaskReuse(RunHooks):
    """The run's part in kfp's cache: each task's key extended, forced tasks never served from it."""

    def __init__(self, options: ReuseOptions, runner: str) -> None:
        """Reuse as ``options`` say, within one kind of runner (``subprocess`` or ``docker``)."""
        self._options, self._runner = options, runner
        # One fingerprint per command and run: the iterations of a loop share their component's.
        self._fingerprints: dict[tuple[str, ...], str | None] = {}
        self._told: set[str] = set()  # unusable entries already reported
        self._lock = threading.Lock()

    def cache_key(  # noqa: D102
        self, task: TaskRun | None, image: str, env: dict[str, str], command: list[str]
    ) -> tuple[str, dict]:
        env = {**env, **self._options.environment, RUNNER_VARIABLE: self._runner}
        env.update({f"{INPUT_PREFIX}{name}": value for name, value in self._options.inputs.items()})
        if self._options.image_id:
            env[IMAGE_ID_VARIABLE] = self._options.image_id
        key = tuple(command)
        with self._lock:
            if key not in self._fingerprints:
                self._fingerprints[key] = task_fingerprint(command)
            code = self._fingerprints[key]
        if code is not None:
            env[CODE_VARIABLE] = code
            image = without_fingerprint(image)
        return image, env

    def may_reuse(self, task: TaskRun | None) -> bool:  # noqa: D102
        return task is None or task.component not in self._options.forced

    def cache_unusable(self, task: TaskRun | None, entry: str, problem: str) -> None:  # noqa: D102
        with self._lock:
            if entry in self._told:
                return
            self._told.add(entry)
        logger.warning("the cached result {} {}: not reused (it is rewritten when the task succeeds)", entry, problem)
