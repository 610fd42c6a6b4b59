"""kfp's own per-task lines stay behind --verbose; the task's own output always comes through."""

import io

import pytest

from utils.debugging.bootstrap import WAITING
from utils.kfp_seams import local_run
from utils.kfp_seams.local_run import TaskRun
from utils.kfp_seams.versions import kfp_version
from utils.local.console import TaskOutputFilter
from utils.testing.scripts import run_script

KFP_LINES = [
    "    [KFP Executor 2026-12-01 00:08:22,897 INFO]: Looking for component `generate` in --component_module_path",
    "    [KFP Executor 2026-12-01 00:08:22,897 INFO]: Got executor_input:",
    "    {",
    '        "inputs": {"parameterValues": {"count": 3}}',
    "    }",
    "    [KFP Executor 2026-12-01 00:08:22,899 INFO]: Wrote executor output file to /tmp/x/executor_output.json.",
    "00:08:22.901 - INFO - Applying expression selector 'parseJson(string_value)[\"lr\"]' to parent value: {}",
    "00:08:22.902 - INFO - After expression selector: 0.1",
]


def test_the_filter_drops_kfps_lines_and_keeps_the_tasks_own():
    out = io.StringIO()
    stream = TaskOutputFilter(out)
    stream.write("\n".join([KFP_LINES[0], "    task says hello", *KFP_LINES[1:], "    task says bye", ""]))
    assert out.getvalue() == "    task says hello\n    task says bye\n"


def test_verbose_keeps_every_line():
    out = io.StringIO()
    TaskOutputFilter(out, verbose=True).write("\n".join([*KFP_LINES, ""]))
    assert out.getvalue() == "\n".join([*KFP_LINES, ""])


def _as(task, write):
    token = local_run._current.set(task)  # the thread's task, as kfp's task-level call sets it
    try:
        write()
    finally:
        local_run._current.reset(token)


def running(*names):
    """A console over a string, and a task per name started on it in that order."""
    out = io.StringIO()
    console = TaskOutputFilter(out)
    tasks = [TaskRun(f"comp-{name}", "run") for name in names]
    for task in tasks:
        console.task_started(task)
    return out, console, tasks


def test_a_task_that_started_alone_keeps_the_console_and_the_others_show_whole_after_it():
    out, console, (first, second) = running("a", "b")
    _as(second, lambda: console.write("b1\n"))
    _as(first, lambda: console.write("a1\n"))
    console.write("the run's own line\n")
    _as(second, lambda: console.write("b2\n"))
    assert out.getvalue() == "a1\n"  # live: the task that has the console; the rest waits its turn
    console.task_finished(second, "ran", {})
    _as(first, lambda: console.write("a2\n"))
    console.task_finished(first, "ran", {})
    assert out.getvalue() == "a1\na2\nb1\nb2\nthe run's own line\n"


def test_with_no_task_holding_the_console_each_block_shows_whole_as_its_task_ends():
    out, console, (a, b, c) = running("a", "b", "c")  # a started alone: it has the console
    console.task_finished(a, "ran", {})  # two still run: nobody has the console now
    _as(b, lambda: console.write("b1\n"))
    _as(c, lambda: console.write("c1\n"))
    console.write("the run's own line\n")
    assert out.getvalue() == "the run's own line\n"
    console.task_finished(c, "ran", {})  # c's block; b, the last left running, takes the console
    assert out.getvalue() == "the run's own line\nc1\nb1\n"
    _as(b, lambda: console.write("b2\n"))  # live
    assert out.getvalue() == "the run's own line\nc1\nb1\nb2\n"


def test_a_task_holding_the_console_gives_it_up_when_it_waits_for_a_debugger():
    out, console, (debugged, other) = running("a", "b")
    _as(other, lambda: console.write("b1\n"))
    _as(debugged, lambda: console.write(f"a {WAITING}\n"))
    console.task_finished(other, "ran", {})
    assert out.getvalue() == f"a {WAITING}\nb1\n"


def test_a_task_waiting_for_a_debugger_says_so_at_once_even_out_of_turn():
    out, console, (_, second) = running("a", "b")  # a has the console
    _as(second, lambda: console.write(f"[pipe-fiction] task b {WAITING} on port 5678\n"))
    assert WAITING in out.getvalue()


# A loop resolves its inputs with expression selectors (kfp.local runs loops from 2.16).
PIPELINE = "dict_loop_pipeline" if kfp_version() >= (2, 16) else "words_pipeline"


@pytest.mark.parametrize("verbose", [False, True], ids=["default", "verbose"])
def test_a_run_shows_kfps_executor_lines_only_with_verbose(tmp_path, verbose):
    args = ["--no-cache", "--verbose"] if verbose else ["--no-cache"]  # kfp logs selectors only when it runs them
    pipeline = f"utils.tests.fixtures.pipelines:{PIPELINE}"
    proc = run_script("run_locally_in_subproc.py", *args, PIPE_FICTION_PIPELINE=pipeline,
                      PIPE_FICTION_OUTPUTS=str(tmp_path))  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    shown = proc.stdout + proc.stderr
    kfp_lines = ["[KFP Executor", "Wrote executor output file", "Got executor_input"]
    if PIPELINE == "dict_loop_pipeline":
        kfp_lines += ["Applying expression selector", "After expression selector"]
    assert [line for line in kfp_lines if line in shown] == (kfp_lines if verbose else [])
    assert "Pipeline outputs:" in proc.stdout
