"""Debugging the demo: a breakpoint in the package's DataProcessor.clean, hit from a debugged task."""

import pytest

from tests.debug_processor import CODEBASE, PROCESSOR, breakpoint_line, debug_processor_run
from utils.image.task_image import task_image
from utils.testing.debug_session import free_port


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


def test_components_keep_the_configured_image():
    from components import process_data

    assert process_data.component_spec.implementation.container.image == task_image()
