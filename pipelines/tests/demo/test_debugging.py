"""Debugging the demo: a breakpoint in the package's DataProcessor.clean, hit from a debugged task."""

import pytest
from kfp import local

from pipeline import demo_pipeline
from tests.compiled import executor_commands
from tests.demo.debug_processor import CODEBASE, PROCESSOR, breakpoint_line, debug_processor_run
from tests.helpers import free_port
from utils import settings
from utils.local_run import TaskFailedError, run_pipeline


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
