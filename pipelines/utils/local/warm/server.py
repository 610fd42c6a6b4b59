"""The warm parent of a subprocess run's tasks: imports their stack once, forks each task from it.

``python -m utils.local.warm.server SOCKET [MODULE...]``, started by :mod:`utils.local.warm.pool`
with the run's environment. It imports kfp's executor as a task's command does
(``_KFP_RUNTIME=true``) and the installed modules the tasks import (never your own code: each
task imports that fresh, as it would in a fresh interpreter), prints ``ready``, then for each
client connection forks a child that becomes the task: the client's standard streams, variables,
folder and arguments, default signal handling, then ``kfp.dsl.executor_main`` run as
``__main__``, atexit handlers and non-daemon threads as at a normal exit. It reports each child's
exit code to its client, ends a child whose client went away, and ends all of them and itself
when its standard input closes (the run ended, however it ended).
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import os
import runpy
import selectors
import signal
import socket
import sys
import threading
import traceback
import warnings

from utils.local.warm.protocol import receive_request, send_exit_code

EXECUTOR = "kfp.dsl.executor_main"
READY = "ready"


def warm_up(modules: list[str]) -> None:
    """Imports kfp's executor as a task's command does, then the given modules (those that import)."""
    os.environ["_KFP_RUNTIME"] = "true"
    try:
        importlib.import_module(EXECUTOR)
    finally:
        os.environ.pop("_KFP_RUNTIME", None)
    # Its dependencies stay; the module itself runs afresh as each task's __main__.
    sys.modules.pop(EXECUTOR, None)
    for module in modules:
        with contextlib.suppress(Exception):  # the task reports its own import error, as it would
            importlib.import_module(module)


def _exit_code(status: int) -> int:
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


def _become_task(request: dict, fds: list[int]) -> None:
    """In the forked child: take the task's streams, variables, folder and arguments, run it, exit."""
    code = 1
    try:
        # As a fresh interpreter has them: Python ignores SIGPIPE and SIGXFSZ (a write fails instead).
        for signum in (signal.SIGTERM, signal.SIGCHLD, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        for signum in (signal.SIGPIPE, signal.SIGXFSZ):
            signal.signal(signum, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.set_wakeup_fd(-1)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        # The import path a fresh `python -m` would have here: its folder first, then PYTHONPATH.
        extra = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
        sys.path[:] = [os.getcwd(), *extra, *(p for p in sys.path[1:] if p not in extra)]
        unbuffered = bool(os.environ.get("PYTHONUNBUFFERED"))
        for name in ("stdout", "stderr"):
            getattr(sys, name).reconfigure(line_buffering=True, write_through=unbuffered or name == "stderr")
        if "numpy" in sys.modules:  # a fresh interpreter seeds numpy's global generator anew
            sys.modules["numpy"].random.seed()
        sys.argv = [EXECUTOR, *request["argv"]]
        try:
            runpy.run_module(EXECUTOR, run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
            if not isinstance(done.code, int | None):
                print(done.code, file=sys.stderr)
        except BaseException:
            traceback.print_exc()
            code = 1
        for thread in threading.enumerate():
            if thread is not threading.current_thread() and not thread.daemon:
                thread.join()
        atexit._run_exitfuncs()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def serve(path: str) -> None:
    """Forks a task per connection on ``path`` until standard input closes."""
    # Each child starts with only the forking thread, as a fork must; libraries' own idle
    # thread pools (BLAS) are made again in the child by their fork handlers.
    warnings.filterwarnings("ignore", message=".*use of fork\\(\\) may lead to deadlocks", category=DeprecationWarning)
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_read, False)
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the run decides when the parent ends (stdin)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(64)
    selector = selectors.DefaultSelector()
    selector.register(server, selectors.EVENT_READ, "accept")
    selector.register(wake_read, selectors.EVENT_READ, "reap")
    selector.register(sys.stdin, selectors.EVENT_READ, "stdin")
    tasks: dict[int, socket.socket] = {}
    print(READY, flush=True)
    try:
        while True:
            for key, _ in selector.select():
                if key.data == "accept":
                    connection, _ = server.accept()
                    try:
                        request, fds = receive_request(connection)
                    except (ConnectionError, OSError, ValueError):
                        connection.close()
                        continue
                    sys.stdout.flush()
                    sys.stderr.flush()
                    pid = os.fork()
                    if pid == 0:
                        selector.close()
                        server.close()
                        connection.close()
                        for other in tasks.values():
                            other.close()
                        os.close(wake_read)
                        os.close(wake_write)
                        _become_task(request, fds)
                    for fd in fds:
                        os.close(fd)
                    tasks[pid] = connection
                    selector.register(connection, selectors.EVENT_READ, pid)
                elif key.data == "reap":
                    with contextlib.suppress(BlockingIOError):
                        while os.read(wake_read, 512):
                            pass
                    _reap(tasks, selector)
                elif key.data == "stdin":
                    if not os.read(sys.stdin.fileno(), 512):
                        return
                else:  # the client of task key.data said something or went away: it went away
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(key.data, signal.SIGTERM)
                    selector.unregister(key.fileobj)
    finally:
        for pid in tasks:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        server.close()
        with contextlib.suppress(OSError):
            os.unlink(path)


def _reap(tasks: dict[int, socket.socket], selector: selectors.BaseSelector) -> None:
    while tasks:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        connection = tasks.pop(pid, None)
        if connection is None:
            continue
        with contextlib.suppress(KeyError, ValueError):
            selector.unregister(connection)
        with contextlib.suppress(OSError):
            send_exit_code(connection, _exit_code(status))
        connection.close()


def main(argv: list[str]) -> int:
    """Warms up, then serves the run's tasks on the socket ``argv[0]``."""
    warm_up(argv[1:])
    serve(argv[0])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
