"""Debugging end to end on the tests' own pipeline: a real debugpy in the task, a real DAP client."""

import socket
import time

import pytest
from kfp import local

from utils.common.errors import TaskFailedError
from utils.debugging.bootstrap import WAITING
from utils.kfp_seams.versions import kfp_version
from utils.local.run import init_local, run_pipeline
from utils.testing.dap_client import DapClient
from utils.testing.debug_session import RunningScript
from utils.tests.helpers import free_port


def debug_first_task(script, port, count=3, **env):
    """Runs the words pipeline with make-words waiting; attaches, checks the stop, reads, continues."""
    run = RunningScript([script, "--count", str(count), "--debug", "make-words", "--debug-port", str(port)], env=env)
    try:
        run.wait_for(WAITING, 120)
        client = DapClient("127.0.0.1", port)
        try:
            client.attach({})
            stop = client.event("stopped", 120)
            frame = client.top_frame(stop["threadId"])
            seen = {
                "path": frame["source"]["path"],
                "function": frame["name"],
                "locals": set(client.locals(frame["id"])),
                "doubled": client.evaluate("count * 2", frame["id"]),
            }
            client.request("continue", threadId=stop["threadId"])
        finally:
            client.close()
        assert run.finish(120) == 0, run.output()[-3000:]
    finally:
        run.stop()
    return seen, run.output()


@pytest.mark.parametrize("script", ["run_locally_in_subproc.py", "run_locally_in_docker.py"])
def test_the_debugger_stops_at_the_task_body_reads_locals_and_the_run_succeeds(script, request):
    if "docker" in script:
        request.getfixturevalue("task_image")
    seen, output = debug_first_task(script, free_port(), count=4)
    assert seen["path"].endswith("ephemeral_component.py") and seen["function"] == "make_words"
    assert {"count", "prefix"} <= seen["locals"]
    assert seen["doubled"] == "8"
    assert "Pipeline outputs:" in output and "    lines  4" in output
    assert "frozen modules" not in output  # debugpy's warning, silenced in the task


def test_waiting_line_reaches_a_pipe_at_once_without_pythonunbuffered(tmp_path):
    # A user's shell has no PYTHONUNBUFFERED: the line must still arrive while the task waits.
    run = RunningScript(
        ["run_locally_in_subproc.py", "--debug", "make-words", "--debug-port", str(free_port()),
         "--debug-timeout", "60"],
        env={"PYTHONUNBUFFERED": None, "PIPE_FICTION_OUTPUTS": str(tmp_path)},
    )  # fmt: skip
    try:
        run.wait_for(WAITING, 30)
        assert run.proc.poll() is None, "the line came only when the run ended"
        assert time.monotonic() - run.started < 30
    finally:
        run.stop()


def test_debugging_off_imports_no_debugger_and_opens_no_port(tmp_path, monkeypatch):
    from utils.tests.helpers.debug_probe import probe

    port = free_port()
    monkeypatch.delenv("KFP_DEBUG", raising=False)
    init_local(local.SubprocessRunner(use_venv=False), tmp_path)
    assert probe(port=port).output == {"debugpy_imported": False, "port_open": False}


def test_debugging_on_by_environment_imports_debugpy_and_listens(tmp_path, monkeypatch):
    import threading

    from utils.tests.helpers.debug_probe import probe

    port = free_port()
    monkeypatch.setenv("KFP_DEBUG", "probe")
    monkeypatch.setenv("KFP_DEBUG_PORT", str(port))
    monkeypatch.setenv("KFP_DEBUG_TIMEOUT", "60")
    init_local(local.SubprocessRunner(use_venv=False), tmp_path)
    result = {}
    task = threading.Thread(target=lambda: result.update(out=probe(port=port).output), daemon=True)
    task.start()
    client = DapClient("127.0.0.1", port, timeout=60)
    try:
        client.attach({})
        stop = client.event("stopped")
        client.request("continue", threadId=stop["threadId"])
    finally:
        client.close()
    task.join(60)
    assert result["out"] == {"debugpy_imported": True, "port_open": True}


def test_no_debugger_attaching_fails_the_task_with_one_line_within_the_timeout():
    started = time.monotonic()
    run = RunningScript(
        ["run_locally_in_subproc.py", "--debug", "write-words", "--debug-port", str(free_port()),
         "--debug-timeout", "2"]
    )  # fmt: skip
    code = run.finish(timeout=120)
    elapsed = time.monotonic() - started
    assert code == 1
    assert "no debugger attached on port" in run.output() and "within 2 s" in run.output()
    assert run.output().strip().splitlines()[-1] == "ERROR   task 'write-words' failed; its log is above"
    assert "Traceback" not in run.output()
    assert elapsed < 2 + 30


def test_remote_pdb_is_reachable_with_nc_or_telnet(tmp_path):
    port = free_port()
    run = RunningScript(
        ["run_locally_in_subproc.py", "--count", "40", "--debug", "make-words", "--debugger", "remote-pdb",
         "--debug-port", str(port), "--debug-timeout", "60"],
        env={"PIPE_FICTION_OUTPUTS": str(tmp_path)},
    )  # fmt: skip
    assert f"nc localhost {port}" in run.wait_for(WAITING, 120)
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        stream = conn.makefile("rw")

        def until_prompt():
            text = ""
            while not text.endswith("(Pdb) "):
                char = stream.read(1)
                assert char, f"connection closed; got {text!r}"
                text += char
            return text

        assert "make_words" in until_prompt()
        stream.write("p count * 2\n")
        stream.flush()
        assert until_prompt().splitlines()[0] == "80"
        stream.write("c\n")
        stream.flush()
    assert run.finish(120) == 0, run.output()[-2000:]


def test_the_script_names_the_vscode_configuration_only_for_debugpy_on_its_port(tmp_path):
    port = free_port()
    run = RunningScript(
        ["run_locally_in_subproc.py", "--debug", "make-words", "--debug-port", str(port), "--debug-timeout", "1"],
        env={"PIPE_FICTION_OUTPUTS": str(tmp_path)},
    )
    run.finish(60)
    assert f"attach a debugpy client to localhost:{port}; VS Code's 'Pipeline: attach (subprocess)' uses 5678" in (
        run.output()
    )


def test_debug_true_at_definition_time_bakes_debugging_into_that_task_only(tmp_path, monkeypatch):
    from kfp import dsl

    from utils.tests.fixtures.pipelines import make_words, write_words
    from utils.tests.helpers.compiled import executor_commands

    @dsl.pipeline
    def one_debugged():
        words = make_words(count=2, prefix="d")
        write_words(words=words.output, debug=True, debug_port=free_port(), debug_timeout=1)

    commands = executor_commands(one_debugged, tmp_path)
    assert "pipe_fiction_debug('write-words', True" in commands["exec-write-words"]
    assert "pipe_fiction_debug('make-words', False" in commands["exec-make-words"]
    monkeypatch.delenv("KFP_DEBUG", raising=False)
    with pytest.raises(TaskFailedError, match="write-words"):
        run_pipeline(one_debugged, local.SubprocessRunner(use_venv=False), tmp_path / "run", {})


def test_debug_tasks_block_turns_on_the_named_tasks_while_a_pipeline_is_defined(tmp_path):
    from kfp import dsl

    from utils.debugging.component import debug_tasks
    from utils.tests.fixtures.pipelines import count_lines, make_words, words_pipeline, write_words
    from utils.tests.helpers.compiled import executor_commands

    with debug_tasks({"count_lines"}):

        @dsl.pipeline
        def named():
            text = write_words(words=make_words(count=1, prefix="n").output)
            count_lines(text=text.outputs["text"])

    commands = executor_commands(named, tmp_path)
    assert "pipe_fiction_debug('count-lines', True" in commands["exec-count-lines"]
    assert "pipe_fiction_debug('write-words', False" in commands["exec-write-words"]
    assert "pipe_fiction_debug('count-lines', False" in executor_commands(words_pipeline, tmp_path)["exec-count-lines"]


def attach_and_read(run, port, expression):
    """Attaches to the waiting task, reads ``expression`` in its first frame, continues; returns the value."""
    run.wait_for(WAITING, 120)
    client = DapClient("127.0.0.1", port)
    try:
        client.attach({})
        stop = client.event("stopped", 120)
        value = client.evaluate(expression, client.top_frame(stop["threadId"])["id"])
        client.request("continue", threadId=stop["threadId"])
    finally:
        client.close()
    return value


def test_the_suffixed_name_of_a_component_used_twice_debugs_exactly_that_task(tmp_path):
    port = free_port()
    run = RunningScript(
        ["run_locally_in_subproc.py", "--debug", "make-words-2", "--debug-port", str(port)],
        env={"PIPE_FICTION_PIPELINE": "utils.tests.fixtures.pipelines:twice_pipeline",
             "PIPE_FICTION_OUTPUTS": str(tmp_path)},
    )  # fmt: skip
    try:
        assert attach_and_read(run, port, "prefix") == "'b'"  # make-words-2's, not make-words'
        assert run.finish(120) == 0, run.output()[-3000:]
    finally:
        run.stop()
    output = run.output()
    assert output.count(WAITING) == 1
    assert "task make-words-2 will wait" in output


@pytest.mark.skipif(kfp_version() < (2, 16), reason="kfp.local runs ParallelFor from 2.16")
def test_a_task_inside_a_parallel_for_waits_in_its_first_iteration_and_the_others_run_on(tmp_path):
    port = free_port()
    run = RunningScript(
        ["run_locally_in_subproc.py", "--debug", "make-words", "--debug-port", str(port)],
        env={"PIPE_FICTION_PIPELINE": "utils.tests.fixtures.pipelines:loop_pipeline",
             "PIPE_FICTION_OUTPUTS": str(tmp_path)},
    )  # fmt: skip
    try:
        assert attach_and_read(run, port, "prefix") == "'p'"
        assert run.finish(120) == 0, run.output()[-3000:]
    finally:
        run.stop()
    output = run.output()
    assert output.count(WAITING) == 1 and "Address already in use" not in output
    assert "its first iteration waits" in output
    for iteration in ("make-words[0]", "make-words[1]", "make-words[2]"):
        assert f"\n{iteration} " in output
