"""Independent tasks at once (kfp >= 2.17): overlap, failures, loops' parallelism, stopping, same results.

Times come from each run's own record (``run.json``): when each task started and how long it took.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from utils.common.signals import descendants
from utils.debugging.bootstrap import WAITING
from utils.kfp_seams.versions import kfp_version
from utils.testing.dap_client import DapClient
from utils.testing.debug_session import RunningScript, free_port
from utils.tests.helpers import task_outcomes
from utils.tests.helpers.processes import assert_ctrl_c_leaves_no_process, command_line
from utils.tests.local.test_warm import artifacts, outputs_of, run

PARALLEL = "utils.tests.fixtures.parallel_pipeline"

at_once = pytest.mark.skipif(kfp_version() < (2, 17), reason="tasks run at once from kfp 2.17")


def spans(tmp_path: Path, name: str = "out") -> dict[str, tuple[float, float]]:
    """Each task execution's (start, end) from the run's record."""
    (record,) = (tmp_path / name).glob("*/run.json")
    tasks = json.loads(record.read_text())["tasks"]
    return {t["name"]: (t["started"], t["started"] + t["seconds"]) for t in tasks}


def most_at_once(intervals: list[tuple[float, float]]) -> int:
    """The largest number of intervals open at one moment."""
    events = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    open_now = peak = 0
    for _, change in events:
        open_now += change
        peak = max(peak, open_now)
    return peak


@pytest.mark.skipif(kfp_version() >= (2, 17), reason="kfp >= 2.17 runs them at once")
def test_older_kfp_runs_independent_tasks_one_after_another_and_says_so_once(tmp_path):
    proc = run(tmp_path, f"{PARALLEL}:two_sleeps", "--max-parallel", "2", "--seconds", "0.3")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert most_at_once(list(spans(tmp_path).values())) == 1
    assert proc.stderr.count("runs the tasks one after another (independent tasks at once need kfp >= 2.17)") == 1


@at_once
def test_two_independent_tasks_overlap_in_the_run_record(tmp_path):
    proc = run(tmp_path, f"{PARALLEL}:two_sleeps", "--max-parallel", "2")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    (first, second) = spans(tmp_path).values()
    assert first[0] < second[1] and second[0] < first[1], (first, second)


@at_once
def test_with_one_task_at_a_time_nothing_overlaps(tmp_path):
    proc = run(tmp_path, f"{PARALLEL}:two_sleeps", "--max-parallel", "1", "--seconds", "0.3")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert most_at_once(list(spans(tmp_path).values())) == 1


@at_once
def test_a_failed_branch_skips_its_dependants_and_the_other_branch_runs_to_its_end(tmp_path):
    proc = run(tmp_path, f"{PARALLEL}:branch_failure", "--max-parallel", "2")
    assert proc.returncode == 1
    # wait: after-broken, skipped; wait-2 and wait-3: the slow branch and its next task.
    assert task_outcomes(proc.stdout) == {"fail": "failed", "wait-2": "ran", "wait-3": "ran"}
    assert "Skipping task wait: upstream task(s) ['fail'] failed." in proc.stdout
    assert "after-slow: done" in proc.stdout and "after-broken" not in proc.stdout
    assert proc.stderr.strip().splitlines()[-1].endswith("task 'fail' failed; its log is above")


@at_once
def test_a_loop_with_parallelism_3_runs_three_iterations_at_once_not_kfps_two(tmp_path):
    proc = run(tmp_path, f"{PARALLEL}:limited_loop", "--max-parallel", "4")
    assert proc.returncode == 0, proc.stderr[-2000:]
    iterations = [span for name, span in spans(tmp_path).items() if name.startswith("wait[")]
    assert len(iterations) == 6
    assert most_at_once(iterations) == 3
    assert '"i0,i1,i2,i3,i4,i5"' in proc.stdout


@at_once
def test_each_tasks_log_is_one_block_while_several_run(tmp_path):
    proc = run(tmp_path, f"{PARALLEL}:fan_out", "--max-parallel", "4", "--seconds", "0.5")
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    for label in "abcd":
        start = lines.index(f"    {label}: waiting 0.5 s")
        assert lines[start + 1] == f"    {label}: done", lines[start - 3 : start + 4]
    blocks = [i for i, line in enumerate(lines) if "Executing task" in line]
    ends = [i for i, line in enumerate(lines) if line.startswith("-----")]
    # Every block's lines come before the next block begins: begin, end, begin, end...
    assert all(begin < end < after for begin, end, after in zip(blocks, ends[1:], blocks[1:], strict=False))
    assert not any(line.startswith("        ") and "waiting" in line for line in lines)  # no doubled indent


@at_once
def test_a_stopped_parallel_run_leaves_no_process_behind(tmp_path):
    script = RunningScript(
        ["run_locally_in_subproc.py", "--no-cache", "--max-parallel", "2"],
        env={"PIPE_FICTION_PIPELINE": f"{PARALLEL}:long_waits", "PIPE_FICTION_OUTPUTS": str(tmp_path)},
    )
    try:
        script.wait_for("waiting 60.0 s", 120)  # the task that has the console; the other is under way too
        deadline, tasks = time.monotonic() + 30, []
        while time.monotonic() < deadline and len(tasks) < 2:
            time.sleep(0.1)
            commands = [command_line(pid) for pid in descendants(script.proc.pid)]
            tasks = [c for c in commands if c.startswith("sh -") and "ephemeral_component.py" in c]
        assert len(tasks) == 2, script.output()[-2000:]  # each task's shell, as kfp starts it
    except BaseException:
        script.stop()
        raise
    assert_ctrl_c_leaves_no_process(script)


@at_once
@pytest.mark.parametrize("script", ["run_locally_in_subproc.py", "run_locally_in_docker.py"])
def test_a_debugged_task_stops_at_its_breakpoint_while_the_others_run_to_their_end(tmp_path, script, request):
    if "docker" in script:
        request.getfixturevalue("task_image")  # and only the debugged task's container publishes the port
    port = free_port()
    options = ["--no-cache", "--max-parallel", "4", "--seconds", "0.5", "--debug", "wait-3", "--debug-port", str(port)]
    script = RunningScript(
        [script, *options],
        env={"PIPE_FICTION_PIPELINE": f"{PARALLEL}:fan_out", "PIPE_FICTION_OUTPUTS": str(tmp_path)},
    )
    try:
        script.wait_for(WAITING, 120)  # shown at once, though another task has the console
        client = DapClient("127.0.0.1", port)
        try:
            client.attach({})
            stop = client.event("stopped", 120)
            frame = client.top_frame(stop["threadId"])
            assert frame["name"] == "wait" and client.evaluate("label", frame["id"]) == "'c'"
            for other in ("a", "b", "d"):  # while c is held at its breakpoint
                script.wait_for(f"{other}: done", 60)
            client.request("continue", threadId=stop["threadId"])
        finally:
            client.close()
        assert script.finish(120) == 0, script.output()[-3000:]
    finally:
        script.stop()
    assert '"a+b+c+d"' in script.output()


# The sequential, fresh-process reference: kfp's own loop, every task a new Python, no machinery hooks.
_KFP_OWN_RUN = """
from kfp import local
from run_locally_in_subproc import parse_args
from utils.common import settings
from utils.kfp_seams.parallel_dags import KFP_OWN_LOOPS
from utils.local.run import format_run, run_pipeline
from utils.pipeline.arguments import checked_arguments
from utils.pipeline.discovery import load_pipeline
pipeline = load_pipeline(settings.pipeline_spec())
arguments = checked_arguments(pipeline, parse_args([], pipeline))
runner = local.SubprocessRunner(use_venv=False)
result = run_pipeline(pipeline, runner, settings.local_outputs_dir(), arguments, max_parallel=KFP_OWN_LOOPS)
print(format_run(result))
"""


@at_once
@pytest.mark.parametrize(
    "pipeline",
    ["pipeline", f"{PARALLEL}:fan_out", f"{PARALLEL}:limited_loop", "utils.tests.fixtures.pipelines",
     "utils.tests.fixtures.visual_pipeline", "examples.control_flow", "examples.task_settings",
     "examples.kubernetes_settings"],
)  # fmt: skip
def test_parallel_warm_runs_write_byte_identical_results_to_kfps_sequential_fresh_run(tmp_path, pipeline):
    parallel = run(tmp_path, pipeline, "--max-parallel", "4", name="parallel")
    env = {**os.environ, "PIPE_FICTION_PIPELINE": pipeline, "PIPE_FICTION_OUTPUTS": str(tmp_path / "kfp")}
    own = subprocess.run(
        [sys.executable, "-c", _KFP_OWN_RUN], cwd=Path(__file__).parents[3], env=env, capture_output=True, text=True
    )
    assert parallel.returncode == own.returncode == 0, parallel.stderr[-2000:] + own.stderr[-2000:]
    written = artifacts(tmp_path / "parallel")
    assert written and written == artifacts(tmp_path / "kfp")
    assert outputs_of(parallel) == outputs_of(own)
