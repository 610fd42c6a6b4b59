"""Warm workers for one subprocess run: start the warm parent, point the tasks' commands at it, stop it.

:class:`WarmWorkers` is a :class:`~utils.kfp_seams.local_run.RunHooks`: kfp starts each task's
command as always (its output, its exit code and a stopped run's handling stay kfp's and the
run's), but the command's ``python -m kfp.dsl.executor_main`` becomes the client of
:mod:`utils.local.warm.client`, which has the task forked from the warm parent. Where forking is
not safe (not Linux, or a task imports a module known not to survive a fork), or the parent
does not start, the run says so in one line and every task gets a fresh interpreter.
"""

from __future__ import annotations

import contextlib
import re
import select
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from loguru import logger

from utils.common.paths import PIPELINES_DIR
from utils.kfp_seams.local_run import RunHooks, TaskRun
from utils.local.warm import client
from utils.local.warm.server import READY

# Libraries whose state does not survive a fork (CUDA contexts, gRPC and framework thread pools).
FORK_UNSAFE = frozenset({"torch", "tensorflow", "jax", "jaxlib", "grpc", "ray", "cupy", "pyspark", "mxnet"})
# Left to each task: a debugger must start in the task's own process, as it does in a fresh one.
NOT_WARMED = frozenset({"debugpy", "pydevd", "remote_pdb"})
_EXECUTOR = re.compile(r"(?P<python>\S+) -m kfp\.dsl\.executor_main\b")
START_TIMEOUT = 120.0


def fork_blocker(modules: list[str], platform: str = sys.platform) -> str | None:
    """Why tasks must not be forked from a warm parent here, in a few words; None when they may."""
    if platform != "linux":
        return f"forking a warm parent is safe only on Linux (this is {platform})"
    unsafe = sorted({m.split(".")[0] for m in modules} & FORK_UNSAFE)
    if unsafe:
        return f"the tasks import {', '.join(unsafe)}, which does not survive a fork"
    return None


class WarmWorkers(RunHooks):
    """The warm parent of a run's subprocess tasks, as a context manager and the run's hooks."""

    def __init__(self, modules: Callable[[], list[str]]) -> None:
        """Warms up ``modules()`` (the installed modules the tasks import) besides kfp's executor.

        They are read when the first task is about to run: a run whose tasks are all reused
        neither reads them nor starts a parent.
        """
        self._modules = modules
        self._process: subprocess.Popen | None = None
        self._folder: Path | None = None
        self._started = False
        self._lock = threading.Lock()
        self.socket: str | None = None

    def __enter__(self) -> WarmWorkers:
        """The run's warm workers; the parent starts with the first task that runs (none if all are reused)."""
        return self

    def _start(self) -> None:
        """Starts the parent and waits until it is warm; where it may not or does not, the run goes on without it."""
        self._started = True
        modules = self._modules()
        reason = fork_blocker(modules)
        if reason:
            logger.info("Tasks start a fresh Python each: {}", reason)
            return
        self._folder = Path(tempfile.mkdtemp(prefix="pipe-fiction-warm-"))
        path = str(self._folder / "socket")
        warmed = [m for m in modules if m.split(".")[0] not in NOT_WARMED]
        self._process = subprocess.Popen(
            [sys.executable, "-m", "utils.local.warm.server", path, *warmed],
            cwd=PIPELINES_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        if self._wait_ready():
            self.socket = path
        else:
            logger.info("Warm workers did not start: every task starts a fresh Python")
            self._stop()

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + START_TIMEOUT
        stdout = self._process.stdout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([stdout], [], [], 0.5)
            if ready:
                return stdout.readline().strip() == READY
            if self._process.poll() is not None:
                return False
        return False

    def __exit__(self, *exc: object) -> None:
        """Ends the parent (and any task it still runs)."""
        self._stop()

    def _stop(self) -> None:
        if self._process is not None:
            try:
                self._process.stdin.close()
                self._process.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                self._process.kill()
                self._process.wait()
            self._process.stdout.close()
            self._process = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None
        self.socket = None

    def task_command(self, task: TaskRun | None, command: list[str]) -> list[str]:
        """The command with kfp's executor started through the warm parent (others unchanged)."""
        with self._lock:
            if not self._started:
                self._start()
        if self.socket is None:
            return command
        start = f"{shlex.quote(sys.executable)} -I -S {shlex.quote(client.__file__)} {shlex.quote(self.socket)}"
        for index, item in enumerate(command):
            if "ephemeral_component.py" in item and _EXECUTOR.search(item):
                return [*command[:index], _EXECUTOR.sub(lambda _: start, item, count=1), *command[index + 1 :]]
        return command


@contextlib.contextmanager
def warm_workers(modules: Callable[[], list[str]], enabled: bool) -> Iterator[RunHooks]:
    """The run's warm workers (see :class:`WarmWorkers`), or hooks that change nothing when switched off."""
    if not enabled:
        yield RunHooks()
        return
    with WarmWorkers(modules) as workers:
        yield workers
