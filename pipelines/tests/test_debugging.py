"""Debugging end to end: a real debugpy in the task, a real DAP client attached, breakpoints hit."""

import socket
import time

import pytest
from kfp import local

from pipeline import demo_pipeline
from tests.debug_session import CODEBASE, PROCESSOR, RunningScript, breakpoint_line, debug_processor_run
from tests.helpers import free_port
from utils import settings
from utils.debug_bootstrap import WAITING
from utils.local_run import TaskFailedError, init_local, run_pipeline


def assert_stopped_in_processor(seen, rows):
    assert seen.entry_frame["source"]["path"].endswith("ephemeral_component.py")
    assert seen.entry_frame["name"] == "process_data"
    assert seen.breakpoint_frame["source"]["path"] == str(PROCESSOR)
    assert seen.breakpoint_frame["line"] == breakpoint_line()
    assert seen.breakpoint_frame["name"] == "clean"
    assert {"frame", "out", "blank", "repeated"} <= seen.local_names
    assert seen.rows_seen == str(rows)
    assert seen.exit_code == 0, seen.output[-3000:]
    assert "Pipeline outputs:" in seen.output
    assert "frozen modules" not in seen.output  # debugpy's warning, silenced in the task


def test_subprocess_run_stops_at_breakpoint_in_package_code():
    seen = debug_processor_run("run_locally_in_subproc.py", free_port(), num_rows=60)
    assert_stopped_in_processor(seen, rows=60)


@pytest.mark.usefixtures("task_image")
def test_docker_run_hits_local_path_breakpoint_through_path_mapping():
    mappings = [{"localRoot": str(CODEBASE), "remoteRoot": "/app"}]
    seen = debug_processor_run("run_locally_in_docker.py", free_port(), num_rows=70, path_mappings=mappings)
    assert_stopped_in_processor(seen, rows=70)


def test_waiting_line_reaches_a_pipe_at_once_without_pythonunbuffered(tmp_path):
    # A user's shell has no PYTHONUNBUFFERED: the line must still arrive while the task waits.
    run = RunningScript(
        ["run_locally_in_subproc.py", "--num-rows", "20", "--debug", "generate-data",
         "--debug-port", str(free_port()), "--debug-timeout", "60"],
        env={"PYTHONUNBUFFERED": None, "PIPE_FICTION_OUTPUTS": str(tmp_path)},
    )  # fmt: skip
    try:
        run.wait_for(WAITING, 30)
        assert run.proc.poll() is None, "the line came only when the run ended"
        assert time.monotonic() - run.started < 30
    finally:
        run.stop()


def test_debugging_off_imports_no_debugger_and_opens_no_port(tmp_path, monkeypatch):
    from tests.debug_probe import probe

    port = free_port()
    monkeypatch.delenv("KFP_DEBUG", raising=False)
    init_local(local.SubprocessRunner(use_venv=False), tmp_path)
    assert probe(port=port).output == {"debugpy_imported": False, "port_open": False}


def test_debugging_on_by_environment_imports_debugpy_and_listens(tmp_path, monkeypatch):
    from tests.debug_probe import probe

    port = free_port()
    monkeypatch.setenv("KFP_DEBUG", "probe")
    monkeypatch.setenv("KFP_DEBUG_PORT", str(port))
    monkeypatch.setenv("KFP_DEBUG_TIMEOUT", "60")
    init_local(local.SubprocessRunner(use_venv=False), tmp_path)
    import threading

    from tests.dap_client import DapClient

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
        ["run_locally_in_subproc.py", "--num-rows", "30", "--debug", "process-data",
         "--debug-port", str(free_port()), "--debug-timeout", "2"]
    )  # fmt: skip
    code = run.finish(timeout=120)
    elapsed = time.monotonic() - started
    assert code == 1
    assert "no debugger attached on port" in run.output() and "within 2 s" in run.output()
    assert run.output().strip().splitlines()[-1] == "ERROR   task 'process-data' failed; its log is above"
    assert "Traceback" not in run.output()
    assert elapsed < 2 + 30


def test_remote_pdb_is_telnet_able(tmp_path, monkeypatch):
    port = free_port()
    run = RunningScript(
        ["run_locally_in_subproc.py", "--num-rows", "40", "--debug", "generate-data", "--debugger", "remote-pdb",
         "--debug-port", str(port), "--debug-timeout", "60"],
        env={"PIPE_FICTION_OUTPUTS": str(tmp_path)},
    )  # fmt: skip
    run.wait_for(WAITING, 120)
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        stream = conn.makefile("rw")

        def until_prompt():
            text = ""
            while not text.endswith("(Pdb) "):
                char = stream.read(1)
                assert char, f"connection closed; got {text!r}"
                text += char
            return text

        assert "generate_data" in until_prompt()
        stream.write("p num_rows * 2\n")
        stream.flush()
        assert until_prompt().splitlines()[0] == "80"
        stream.write("c\n")
        stream.flush()
    assert run.finish(120) == 0, run.output()[-2000:]


def executor_commands(pipeline_func, tmp_path):
    import yaml
    from kfp import compiler

    path = tmp_path / "compiled.yaml"
    compiler.Compiler().compile(pipeline_func=pipeline_func, package_path=str(path))
    executors = yaml.safe_load(path.read_text())["deploymentSpec"]["executors"]
    return {name: " ".join(e["container"]["command"]) for name, e in executors.items()}


def test_debug_true_at_definition_time_bakes_debugging_into_that_task_only(tmp_path, monkeypatch):
    from kfp import dsl

    from components import generate_data, process_data

    @dsl.pipeline
    def one_debugged():
        raw = generate_data(num_rows=20, seed=1, noise=0.0)
        process_data(raw=raw.outputs["dataset"], debug=True, debug_port=free_port(), debug_timeout=1)

    commands = executor_commands(one_debugged, tmp_path)
    assert "pipe_fiction_debug('process-data', True" in commands["exec-process-data"]
    assert "pipe_fiction_debug('generate-data', False" in commands["exec-generate-data"]
    monkeypatch.delenv("KFP_DEBUG", raising=False)
    with pytest.raises(TaskFailedError, match="process-data"):
        run_pipeline(one_debugged, local.SubprocessRunner(use_venv=False), tmp_path / "run", {})


def test_debug_tasks_block_turns_on_the_named_tasks_while_a_pipeline_is_defined(tmp_path):
    from kfp import dsl

    from components import generate_data, process_data, summarize_data
    from utils.debugging import debug_tasks

    with debug_tasks({"summarize_data"}):

        @dsl.pipeline
        def named():
            raw = generate_data(num_rows=20, seed=1, noise=0.0)
            processed = process_data(raw=raw.outputs["dataset"])
            summarize_data(processed=processed.outputs["processed"])

    commands = executor_commands(named, tmp_path)
    assert "pipe_fiction_debug('summarize-data', True" in commands["exec-summarize-data"]
    assert "pipe_fiction_debug('process-data', False" in commands["exec-process-data"]
    assert (
        "pipe_fiction_debug('summarize-data', False"
        in executor_commands(demo_pipeline, tmp_path)["exec-summarize-data"]
    )


def test_components_keep_the_configured_image():
    from components import process_data

    assert process_data.component_spec.implementation.container.image == settings.image()
