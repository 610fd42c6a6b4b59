"""One truthful record per task: retries are one task with its attempts, loop iterations are told apart."""

import json

import pytest
from kfp import local

from utils.common.errors import TaskFailedError
from utils.kfp_seams.versions import kfp_version
from utils.local.run import format_run, run_pipeline
from utils.testing.run_page import parts
from utils.tests.fixtures import pipelines as fixtures

needs_retries = pytest.mark.skipif(kfp_version() < (2, 17), reason="kfp.local retries tasks from 2.17")
needs_loops = pytest.mark.skipif(kfp_version() < (2, 16), reason="kfp.local runs ParallelFor from 2.16")


def run(pipeline, tmp_path, **arguments):
    return run_pipeline(pipeline, local.SubprocessRunner(use_venv=False), tmp_path / "out", arguments, check=False)


@needs_retries
def test_a_task_that_succeeds_on_its_second_attempt_is_one_row_ran_with_two_attempts(tmp_path):
    result = run(fixtures.retry_pipeline, tmp_path, marker=str(tmp_path / "marker"))
    assert result.failed_task is None and result.outputs["Output"] == "second time lucky"
    assert [(r.name, r.outcome, r.attempts) for r in result.tasks] == [("flaky", "ran", 2)]
    table = format_run(result)
    assert "1 ran" in table and "failed" not in table and "attempts" in table
    assert "flaky: failing on the first attempt" in result.tasks[0].log
    assert parts(result.page).nodes == {"flaky": "ran"}
    facts = json.loads((result.run_dir / "run.json").read_text())
    assert facts["status"] == "succeeded" and facts["tasks"][0]["attempts"] == 2


@needs_retries
def test_a_task_that_fails_every_attempt_is_one_row_failed(tmp_path):
    result = run(fixtures.retry_failing_pipeline, tmp_path)
    assert [(r.name, r.outcome, r.attempts) for r in result.tasks] == [("explode", "failed", 2)]
    assert result.failed_task == "explode"
    with pytest.raises(TaskFailedError):
        result.check()


def test_a_component_used_twice_gives_two_tasks_with_their_own_names(tmp_path):
    result = run(fixtures.twice_pipeline, tmp_path)
    names = sorted(r.name for r in result.tasks)
    assert names == ["make-words", "make-words-2", "write-words", "write-words-2"]
    assert (result.run_dir / "write-words-2" / "text").read_text() == "b0\nb1\n"


@needs_loops
def test_loop_iterations_are_told_apart_in_the_table_the_record_and_the_page(tmp_path):
    result = run(fixtures.loop_pipeline, tmp_path)
    assert result.failed_task is None
    assert sorted(r.name for r in result.tasks) == ["make-words[0]", "make-words[1]", "make-words[2]"]
    assert {r.task for r in result.tasks} == {"make-words"}
    assert sorted(r.outputs["Output"][0] for r in result.tasks) == ["p0", "q0", "r0"]
    assert parts(result.page).nodes == {"make-words": "ran"}


def test_a_long_log_keeps_its_head_and_tail_in_the_record_and_the_whole_on_disk(tmp_path):
    from utils.local.record import TaskLog

    log = TaskLog(tmp_path / "task.log", keep=1000)
    for index in range(10_000):
        log.write(f"line {index}\n")
    log.close()
    text = log.text()
    assert text.startswith("line 0\n") and text.endswith("line 9999\n") and len(text) < 3000
    assert "not shown: the whole log is" in text and log.cut
    assert (tmp_path / "task.log").read_text().count("\n") == 10_000


def test_a_task_printing_50_mb_leaves_a_small_page_and_keeps_the_run_scripts_memory_bounded(tmp_path):
    import subprocess
    import sys

    from utils.common.paths import PIPELINES_DIR

    measure = (
        "import atexit, runpy, sys\n"
        "from resource import RUSAGE_SELF, getrusage\n"
        "atexit.register(lambda: print('MAXRSS', getrusage(RUSAGE_SELF).ru_maxrss, file=sys.stderr))\n"
        "sys.argv = ['run_locally_in_subproc.py']\n"
        "runpy.run_path('run_locally_in_subproc.py', run_name='__main__')\n"
    )
    env = {
        **__import__("os").environ,
        "PIPE_FICTION_PIPELINE": "utils.tests.fixtures.pipelines:chatter_pipeline",
        "PIPE_FICTION_OUTPUTS": str(tmp_path / "out"),
    }
    done = subprocess.run([sys.executable, "-c", measure], cwd=PIPELINES_DIR, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    max_rss_mb = int(done.stderr.split("MAXRSS")[-1].split()[0]) / 1024
    (run_dir,) = (tmp_path / "out").glob("fixture-chatter-*")
    assert (run_dir / "index.html").stat().st_size < 2_000_000
    assert (run_dir / "run.json").stat().st_size < 2_000_000
    assert (run_dir / "chatter.log").stat().st_size > 50_000_000  # the whole log, beside the task's folder
    assert max_rss_mb < 400, f"the run script grew to {max_rss_mb:.0f} MB"  # about 90 MB here (1 GB before)
    facts = json.loads((run_dir / "run.json").read_text())
    assert "not shown: the whole log is" in facts["tasks"][0]["log"]
