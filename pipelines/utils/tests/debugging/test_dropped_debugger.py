"""A debugger that goes away without a disconnect never leaves the task paused forever."""

import subprocess
import sys
import time

import pytest

from utils.common.paths import PIPELINES_DIR
from utils.debugging.bootstrap import WAITING
from utils.testing.dap_client import DapClient
from utils.testing.debug_session import RunningScript, free_port

# A client in a process of its own, so that it can be killed as a crashed IDE would be.
CLIENT = """
import sys, time
from utils.testing.dap_client import DapClient
client = DapClient("127.0.0.1", int(sys.argv[1]))
if sys.argv[2] == "half-attached":
    client.request("initialize", adapterID="debugpy", clientID="x", pathFormat="path",
                   linesStartAt1=True, columnsStartAt1=True)
    client.send("attach", justMyCode=False)
    time.sleep(0.5)
else:
    client.attach({})
    client.event("stopped", 60)
print("ready", flush=True)
time.sleep(600)
"""
SCRIPTS = ["run_locally_in_subproc.py", "run_locally_in_docker.py"]


@pytest.fixture(params=SCRIPTS)
def debug_run(request, tmp_path):
    if "docker" in request.param:
        request.getfixturevalue("task_image")
    port = free_port()
    run = RunningScript([request.param, "--debug", "make-words", "--debug-port", str(port)],
                        env={"PIPE_FICTION_OUTPUTS": str(tmp_path)})  # fmt: skip
    run.wait_for(WAITING, 120)
    yield run, port
    run.stop()


def client_at(port, stage):
    client = subprocess.Popen([sys.executable, "-c", CLIENT, str(port), stage], cwd=PIPELINES_DIR,
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert client.stdout.readline().strip() == "ready"
    return client


def ends_within(run, seconds):
    deadline = time.monotonic() + seconds
    while run.proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    return run.proc.poll()


def test_a_debugger_killed_while_the_task_is_paused_lets_the_task_run_on(debug_run):
    run, port = debug_run
    client = client_at(port, "stopped")
    client.kill()
    client.wait()
    assert ends_within(run, 30) == 0, run.output()[-3000:]
    assert "went away: the task runs on" in run.output()


def test_a_debugger_that_drops_before_it_is_set_up_can_attach_again(debug_run):
    run, port = debug_run
    first = client_at(port, "half-attached")
    first.kill()
    first.wait()
    again = DapClient("127.0.0.1", port)
    try:
        again.attach({})
        stop = again.event("stopped", 60)
        assert again.evaluate("count", again.top_frame(stop["threadId"])["id"]) == "3"
        again.request("continue", threadId=stop["threadId"])
    finally:
        again.close()
    assert ends_within(run, 30) == 0, run.output()[-3000:]


def test_a_second_debugger_takes_over_from_one_that_went_silent(debug_run):
    run, port = debug_run
    silent = client_at(port, "stopped")  # connected, paused the task, then never speaks again
    try:
        second = DapClient("127.0.0.1", port)
        second.attach({})
        second.close()
        assert ends_within(run, 30) == 0, run.output()[-3000:]
        assert "another debugger attached; the task runs on" in run.output()
    finally:
        silent.kill()
        silent.wait()


def test_canary_the_debugpy_internals_the_watcher_uses_are_there():
    # The watcher in utils/debugging/bootstrap.py reads these (debugpy bundles pydevd); if a
    # debugpy release moves them, this fails here rather than leaving a dropped debugger's task paused.
    import inspect

    import debugpy._vendored.force_pydevd  # noqa: F401  (puts the bundled pydevd on the path, as listen() does)
    import pydevd
    from _pydevd_bundle.pydevd_api import PyDevdAPI
    from _pydevd_bundle.pydevd_comm import ReaderThread
    from _pydevd_bundle.pydevd_utils import get_non_pydevd_threads

    assert callable(pydevd.get_global_debugger) and hasattr(pydevd.PyDB, "is_attached")
    assert {"py_db", "resume_threads"} <= set(inspect.signature(PyDevdAPI.request_disconnect).parameters)
    assert "thread_id" in inspect.signature(PyDevdAPI.request_resume_thread).parameters
    assert "sock" in inspect.getsource(ReaderThread.__init__)
    assert "is_pydev_daemon_thread" in inspect.getsource(get_non_pydevd_threads)
