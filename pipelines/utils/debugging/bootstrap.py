"""The code a debuggable component runs first, inside its task.

``pipe_fiction_debug`` is copied, as an AST, into every debuggable component's body (KFP ships
only the body's source), so it must be self-contained: standard library imports inside it,
and the debugger package imported only when this task is to be debugged.
"""

from __future__ import annotations

from typing import Any

# What a debugged task prints once it listens; VS Code's tasks.json and the tests wait for it.
WAITING = "is waiting for a debugger"


def pipe_fiction_debug(component: str, enabled: bool, port: int, debugger: str, timeout: float | None) -> Any:
    """Starts a debugger and waits for a client if this task is to be debugged.

    Debugging is on when ``enabled`` (baked in at pipeline-definition time) or when
    ``KFP_DEBUG`` is ``true``/``1`` or lists this task (``KFP_DEBUG=train-model,verdict-2``). In a
    local run a task knows which it is from kfp's executor input: its outputs' folder is named
    after its own component (``verdict-2``, where ``component`` says ``verdict`` for all three
    tasks of one function), under a ``for-loop-N-iteration-I`` folder per enclosing loop. In a loop
    only the first iteration waits (the others run on: they would all listen on one port).
    ``KFP_DEBUG_PORT``, ``KFP_DEBUGGER`` (``debugpy`` or ``remote-pdb``), ``KFP_DEBUG_TIMEOUT``
    (seconds) and ``KFP_DEBUG_HOST`` override the baked-in values. The listener binds
    127.0.0.1 unless ``KFP_DEBUG_HOST`` says otherwise: a debugger runs any code it is sent.
    On a host (also a dev container) nothing else is needed; in a pod, ``kubectl
    port-forward`` reaches the pod's loopback; only a local Docker run sets
    ``KFP_DEBUG_HOST=0.0.0.0``, so that Docker can publish the port (on the host's loopback).

    Args:
        component: The component's name, e.g. ``train-model``.
        enabled: Debug regardless of the environment.
        port: The port to listen on.
        debugger: ``debugpy`` or ``remote-pdb``.
        timeout: Seconds to wait for a client; None waits forever.

    Returns:
        None when debugging is off; else an object whose ``breakpoint()`` stops in its caller.
    """
    import json
    import os
    import re
    import sys

    def say(message: str, to_stderr: bool = False) -> None:
        print(f"[pipe-fiction] {message}", file=sys.stderr if to_stderr else sys.stdout, flush=True)

    me, iteration = component, ()
    if "--executor_input" in sys.argv[:-1]:
        try:
            output_file = json.loads(sys.argv[sys.argv.index("--executor_input") + 1])["outputs"]["outputFile"]
            *scope, me, _ = output_file.replace("\\", "/").split("/")
            iteration = tuple(int(m.group(1)) for part in scope if (m := re.search(r"-iteration-(\d+)$", part)))
        except (ValueError, KeyError, TypeError):
            me = component
    wanted = os.environ.get("KFP_DEBUG", "").strip().lower()
    names = {name.strip().replace("_", "-") for name in wanted.split(",")}
    if not (enabled or wanted in ("1", "true", "yes", "on") or me in names):
        return None
    if any(iteration):
        where = ", ".join(map(str, iteration))
        say(f"task '{me}' (iteration {where}) runs on: its first iteration waits")
        return None
    component = me
    import socket
    import threading

    port = int(os.environ.get("KFP_DEBUG_PORT") or port)
    debugger = os.environ.get("KFP_DEBUGGER") or debugger
    timeout = float(os.environ.get("KFP_DEBUG_TIMEOUT") or timeout or 0) or None
    host = os.environ.get("KFP_DEBUG_HOST") or "127.0.0.1"
    limit = f", timeout {timeout:g} s" if timeout else ""

    def fail(message: str) -> None:
        say(f"task '{component}': {message}", to_stderr=True)
        raise SystemExit(1)

    def announce(how: str) -> None:
        say(f"task '{component}' is waiting for a debugger: {how} on port {port}{limit}")

    if debugger == "remote-pdb":
        import pdb

        try:
            server = socket.create_server((host, port))
        except OSError as error:
            fail(f"cannot listen on port {port}: {error.strerror}")
        server.settimeout(timeout)
        announce(f"remote-pdb (nc localhost {port}, or telnet localhost {port})")
        try:
            connection, _ = server.accept()
        except TimeoutError:
            fail(f"no debugger attached on port {port} within {timeout:g} s")
        finally:
            server.close()
        connection.settimeout(None)
        stream = connection.makefile("rw")
        session = pdb.Pdb(stdin=stream, stdout=stream)

        class RemoteStop:
            def breakpoint(self) -> None:
                session.set_trace(sys._getframe(1))

        return RemoteStop()
    if debugger != "debugpy":
        fail(f"unknown debugger '{debugger}': use debugpy or remote-pdb")
    # Python 3.11+ runs with frozen stdlib modules; debugpy then warns four times per run, to
    # no purpose here (breakpoints go into the package, never into frozen stdlib code).
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    try:
        import debugpy
    except ImportError:
        fail("debugpy is not installed in this task's environment (bake it into the image)")
    try:
        # The adapter in this process: a client that drops before it is set up can attach again
        # (a separate adapter process would keep waiting for the first one).
        debugpy.listen((host, port), in_process_debug_adapter=True)
    except Exception as error:
        fail(f"cannot listen on port {port}: {error}")
    announce("debugpy")
    timer = threading.Timer(timeout, debugpy.wait_for_client.cancel) if timeout else None
    if timer:
        timer.daemon = True
        timer.start()
    debugpy.wait_for_client()
    if timer:
        timer.cancel()
    if not debugpy.is_client_connected():
        fail(f"no debugger attached on port {port} within {timeout:g} s")
    say(f"debugger attached to task '{component}'")

    # Imported here, not in the watching thread: the paused task may hold an import lock.
    import contextlib
    import time

    import pydevd
    from _pydevd_bundle.pydevd_api import PyDevdAPI

    def keep_alive(reader: Any) -> None:
        # TCP keepalive on the client's connection: a peer that vanished (a dropped network) is found.
        sock = getattr(reader, "sock", None)
        for level, option, value in (
            (socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1),
            (socket.IPPROTO_TCP, getattr(socket, "TCP_KEEPIDLE", None), 10),
            (socket.IPPROTO_TCP, getattr(socket, "TCP_KEEPINTVL", None), 5),
            (socket.IPPROTO_TCP, getattr(socket, "TCP_KEEPCNT", None), 3),
        ):
            if sock is not None and option is not None:
                with contextlib.suppress(OSError):
                    sock.setsockopt(level, option, value)

    def run_on_when_the_client_drops(seen: Any) -> None:
        # A client that goes away without a DAP disconnect would leave the task paused forever
        # (and, with the adapter in another process, unreachable). This thread, which the
        # debugger never pauses, resumes the task as a disconnect would: when the connection
        # ends (a killed client, a reset), when keepalive finds its peer gone, and when another
        # client takes over from one that never disconnected.
        keep_alive(seen)
        while True:
            time.sleep(0.25)
            db = pydevd.get_global_debugger()
            reader = getattr(db, "reader", None)
            if reader is None:
                continue
            if reader is not seen:
                say(f"task '{component}': another debugger attached; the task runs on")
                PyDevdAPI().request_resume_thread("*")
                seen = reader
                keep_alive(reader)
            elif db.is_attached() and not reader.is_alive():
                say(f"the debugger of task '{component}' went away: the task runs on")
                PyDevdAPI().request_disconnect(db, resume_threads=True)

    attached = getattr(pydevd.get_global_debugger(), "reader", None)
    watch = threading.Thread(target=run_on_when_the_client_drops, args=(attached,), name="debug-watch")
    # Marked as the debugger's own (pydevd's convention): it is neither traced nor paused with the task.
    watch.daemon = watch.is_pydev_daemon_thread = watch.pydev_do_not_trace = True
    watch.start()
    return debugpy
