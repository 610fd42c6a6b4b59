"""Reusing unchanged tasks in local runs: kfp >= 2.17's local cache, keyed on the code a task runs.

kfp's own key (component, image, command, arguments, the task's variables) misses a change to
the editable package a component body imports: the command holds the body, not the package.
While a run is under way, kfp's key gets three more variables (:class:`TaskReuse`, through
:mod:`utils.kfp_seams.local_run`): the task's code
fingerprint (:mod:`utils.task_code.fingerprint`), the runner, and the variables the run script sets
in every task. For a Python task the image's fingerprint then leaves the key, so that in Docker
too an edit reruns only the tasks that import the edited module. Forced tasks (``--rerun``, the
debugged task, and what depends on them) miss the cache, run, and refresh their entry.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import kfp
from kfp import local
from loguru import logger

from utils.common import settings
from utils.image.tag import without_fingerprint
from utils.kfp_seams.local_run import RAN, RunHooks, TaskRun
from utils.task_code.fingerprint import fingerprint_of, task_code
from utils.task_code.ship import without_carried_code

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


# What the key's own variables stand for, in a reason.
_VARIABLE_WORDS = {
    f"{INPUT_PREFIX}DATA_DIR": "the data folder",
    IMAGE_ID_VARIABLE: "the image",
    RUNNER_VARIABLE: "the runner",
    "PIPE_FICTION_KUBERNETES_VALUES": "its secrets or config maps",
}
FIRST_RUN, FORCED, MISSING = "first run", "forced (--rerun, --debug, or downstream of one)", "earlier result missing"


def _digest(value: Any) -> str:
    if hasattr(value, "uri") and hasattr(value, "metadata"):  # an artifact: kfp keys it by its file
        value = {"uri": value.uri, "metadata": value.metadata}
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _names(names: list[str], limit: int = 3) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def why_it_ran(before: dict[str, Any] | None, now: dict[str, Any]) -> str:
    """Why a task's key differs from the one it had when it last ran: code, inputs, variables, image.

    Args:
        before: The parts of its key when it last ran (None: it never ran).
        now: The parts of its key now.
    """
    if before is None:
        return FIRST_RUN
    reasons = []
    for part, words in (("code", "code changed"), ("inputs", "input changed"), ("variables", "variable changed")):
        old, new = before.get(part) or {}, now.get(part) or {}
        changed = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        if changed:
            reasons.append(f"{words}: {_names([_VARIABLE_WORDS.get(k, k) for k in changed])}")
    if before.get("image") != now.get("image"):
        reasons.append("image changed")
    return "; ".join(reasons) or MISSING


class ReuseLedger:
    """Each task's key parts when it last ran, per runner: what tells why it runs again."""

    def __init__(self, folder: Path) -> None:
        """Keeps the parts under ``folder`` (in the task cache's folder)."""
        self._folder = folder

    def _path(self, pipeline: str, task: str) -> Path:
        safe = "".join(c if c.isalnum() or c in "-_.[]," else "_" for c in task)
        return self._folder / "".join(c if c.isalnum() or c in "-_." else "_" for c in pipeline) / f"{safe}.json"

    def read(self, pipeline: str, task: str) -> dict[str, Any] | None:
        """The parts of the task's key when it last ran (None if never, or unreadable)."""
        try:
            found = json.loads(self._path(pipeline, task).read_text())
        except (OSError, ValueError):
            return None
        return found if isinstance(found, dict) else None

    def write(self, pipeline: str, task: str, parts: dict[str, Any]) -> None:
        """Records the parts of a task's key after it ran (atomically: runs may overlap)."""
        path = self._path(pipeline, task)
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
            temporary.write_text(json.dumps(parts, sort_keys=True))
            os.replace(temporary, path)


class TaskReuse(RunHooks):
    """The run's part in kfp's cache: each task's key extended, forced tasks never served, and why each ran."""

    def __init__(self, options: ReuseOptions, runner: str, pipeline: str = "", name: Any = None) -> None:
        """Reuse as ``options`` say, within one kind of runner (``subprocess`` or ``docker``).

        Args:
            options: How to reuse.
            runner: ``subprocess`` or ``docker``.
            pipeline: The pipeline's name (the reasons are kept per pipeline and task).
            name: How a task is named (``task[0]`` for a loop's first iteration); default its component.
        """
        self._options, self._runner, self._pipeline = options, runner, pipeline
        self._name = name or (lambda task: task.component)
        self._ledger = ReuseLedger(settings.cache_dir() / "reasons" / runner)
        # One code reading per command and run: the iterations of a loop share their component's.
        self._code: dict[tuple[str, ...], dict[str, str] | None] = {}
        self._parts: dict[int, dict[str, Any]] = {}
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
            if key not in self._code:
                self._code[key] = task_code(command)
            code = self._code[key]
        if code is not None:
            env[CODE_VARIABLE] = fingerprint_of(code)
            image = without_fingerprint(image)
        if task is not None:
            parts = {
                "code": code or {},
                "inputs": {name: _digest(value) for name, value in task.inputs.items()},
                "variables": {k: _digest(v) for k, v in env.items() if k != CODE_VARIABLE},
                "image": image,
            }
            with self._lock:
                self._parts[id(task)] = parts
            task.reason = why_it_ran(self._ledger.read(self._pipeline, self._name(task)), parts)
        return image, env

    def key_command(self, task: TaskRun | None, command: list[str]) -> list[str]:
        """The command without the files a Docker task carries: the code variable counts them by name.

        A package whose ``__init__.py`` re-exports its modules puts all of them in every task's
        command; keyed as they are, an edit anywhere would rerun every task locally.
        """
        return [without_carried_code(item) for item in command]

    def may_reuse(self, task: TaskRun | None) -> bool:  # noqa: D102
        if task is not None and task.component in self._options.forced:
            task.reason = FORCED
            return False
        return True

    def cache_unusable(self, task: TaskRun | None, entry: str, problem: str) -> None:  # noqa: D102
        if task is not None:
            task.reason = "earlier result unusable"
        with self._lock:
            if entry in self._told:
                return
            self._told.add(entry)
        logger.warning("the cached result {} {}: not reused (it is rewritten when the task succeeds)", entry, problem)

    def task_finished(self, task: TaskRun, outcome: str, outputs: dict[str, Any]) -> None:  # noqa: D102
        with self._lock:
            parts = self._parts.pop(id(task), None)
        if outcome == RAN and parts is not None:
            self._ledger.write(self._pipeline, self._name(task), parts)
