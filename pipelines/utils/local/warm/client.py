"""What a task's command starts instead of ``python -m kfp.dsl.executor_main`` (standard library only).

``python -I -S client.py SOCKET ARGS...``: hands this process's standard streams, the
arguments, its variables and its folder to the run's warm parent, which forks the task from
its warm state; then waits and exits with the task's exit code. Started with ``-I -S`` it
imports almost nothing, so it costs a few milliseconds where a fresh executor costs seconds.
"""

from __future__ import annotations

import os
import socket
import sys


def main(argv: list[str]) -> int:
    """Runs the task in the warm parent listening on ``argv[0]``; returns its exit code."""
    # This folder's protocol.py alone: importing the utils package would cost each task 10 ms.
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from protocol import receive_exit_code, send_request

    path, arguments = argv[0], argv[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        try:
            connection.connect(path)
        except OSError as error:
            print(f"[pipe-fiction] the run's warm worker does not answer ({error})", file=sys.stderr)
            return 1
        send_request(connection, {"argv": arguments, "env": dict(os.environ), "cwd": os.getcwd()}, [0, 1, 2])
        code = receive_exit_code(connection)
    if code is None:
        print("[pipe-fiction] the run's warm worker went away during the task", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
