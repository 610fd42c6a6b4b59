"""Local runs reuse a task exactly while its code, inputs and variables are unchanged (kfp >= 2.17)."""

import argparse
import json
import os
import shutil
import subprocess
import sys

import kfp
import pytest
from kfp import local

from utils.common import settings
from utils.common.paths import PIPELINES_DIR
from utils.local.options import reuse_options
from utils.local.reuse import supported
from utils.local.run import run_pipeline
from utils.tests.fixtures.reuse_pipeline import two_steps
from utils.tests.helpers import assert_one_line_error, importable_tree, run_script

needs_cache = pytest.mark.skipif(not supported(), reason=f"kfp {kfp.__version__} has no local cache (2.17+)")
FIRST, SECOND = "first-step", "second-step"


@pytest.fixture
def reusepkg(tmp_path, monkeypatch):
    """Writes ``reusepkg`` (first.py; second.py importing helpers.py; a uv.lock) where tasks import it."""
    monkeypatch.setenv("PIPE_FICTION_PIPELINE", "utils.tests.fixtures.reuse_pipeline")
    return importable_tree(
        monkeypatch,
        tmp_path / "src",
        {
            "reusepkg/__init__.py": "",
            "reusepkg/first.py": "def make(count):\n    return 'word\\n' * count\n",
            "reusepkg/second.py": "from reusepkg.helpers import loud\n\ndef shout(text):\n    return loud(text)\n",
            "reusepkg/helpers.py": "def loud(text):\n    return text.upper().strip()\n",
            "reusepkg/dynamic.py": "VALUE = 'one'\n",
            "nsreuse/part.py": "from .inner import value\n",
            "nsreuse/inner.py": "def value():\n    return 'first'\n",
            "uv.lock": "version = 1\n",
        },
    )


def run(tmp_path, count=3, rerun=(), no_cache=False, env=None):
    """One local run in subprocesses; returns {task: outcome} and the result."""
    args = argparse.Namespace(rerun=list(rerun), no_cache=no_cache, debug=[])
    reuse = reuse_options(args, two_steps, env or {}, settings.data_dir())  # as the script keys it
    result = run_pipeline(
        two_steps, local.SubprocessRunner(use_venv=False), tmp_path / "outputs", {"count": count}, reuse=reuse
    )
    return {record.name: record.outcome for record in result.tasks}, result


def edit(path, text="\n# a one-line change\n"):
    path.write_text(path.read_text() + text)


@needs_cache
def test_a_second_run_reuses_every_task_with_the_same_files(tmp_path, reusepkg):
    outcomes, first = run(tmp_path)
    assert outcomes == {FIRST: "ran", SECOND: "ran"} and first.outputs["Output"] == "WORD\nWORD\nWORD"
    outcomes, second = run(tmp_path)
    assert outcomes == {FIRST: "reused", SECOND: "reused"} and second.outputs == first.outputs
    # The reused artifact is the very file the first run wrote; the second run wrote none.
    entries = [json.loads(p.read_text()) for p in (tmp_path / "local_cache").glob("*.json")]
    uris = [v["uri"] for entry in entries for v in entry.values() if isinstance(v, dict) and "uri" in v]
    assert uris and all(uri.startswith(str(first.run_dir)) and os.path.isfile(uri) for uri in uris)
    assert sorted(p.name for p in second.run_dir.iterdir()) == ["index.html", "run.json"]  # no task folder


@needs_cache
def test_editing_a_module_reruns_only_the_tasks_that_import_it(tmp_path, reusepkg):
    run(tmp_path)
    edit(reusepkg / "reusepkg" / "helpers.py")  # imported by second.py only
    assert run(tmp_path)[0] == {FIRST: "reused", SECOND: "ran"}
    edit(reusepkg / "reusepkg" / "first.py")  # its new output reruns what reads it
    assert run(tmp_path)[0] == {FIRST: "ran", SECOND: "ran"}
    assert run(tmp_path)[0] == {FIRST: "reused", SECOND: "reused"}


@needs_cache
def test_the_edited_code_is_what_runs(tmp_path, reusepkg):
    run(tmp_path)
    (reusepkg / "reusepkg" / "helpers.py").write_text("def loud(text):\n    return 'edited ' + text.strip()\n")
    assert run(tmp_path)[1].outputs["Output"].startswith("edited word")


@needs_cache
def test_a_change_to_the_lock_reruns_every_task(tmp_path, reusepkg):
    run(tmp_path)
    edit(reusepkg / "uv.lock", "# dependencies changed\n")
    assert run(tmp_path)[0] == {FIRST: "ran", SECOND: "ran"}


@needs_cache
def test_a_new_input_value_reruns_the_task_and_what_reads_its_output(tmp_path, reusepkg):
    run(tmp_path, count=3)
    assert run(tmp_path, count=4)[0] == {FIRST: "ran", SECOND: "ran"}
    assert run(tmp_path, count=3)[0] == {FIRST: "reused", SECOND: "reused"}


@needs_cache
def test_task_variables_are_part_of_the_key_but_debugging_ones_are_not(tmp_path, reusepkg):
    run(tmp_path, env={"MODE": "a"})
    assert run(tmp_path, env={"MODE": "b"})[0] == {FIRST: "ran", SECOND: "ran"}
    assert run(tmp_path, env={"MODE": "a"})[0] == {FIRST: "reused", SECOND: "reused"}
    assert run(tmp_path, env={"MODE": "a", "KFP_DEBUG_PORT": "5999"})[0] == {FIRST: "reused", SECOND: "reused"}


@needs_cache
def test_no_cache_runs_everything_and_rerun_forces_a_task_and_its_dependents(tmp_path, reusepkg):
    run(tmp_path)
    assert run(tmp_path, no_cache=True)[0] == {FIRST: "ran", SECOND: "ran"}
    assert run(tmp_path, rerun=[SECOND])[0] == {FIRST: "reused", SECOND: "ran"}
    assert run(tmp_path, rerun=["First_Step"])[0] == {FIRST: "ran", SECOND: "ran"}


@needs_cache
def test_a_cache_entry_whose_files_are_gone_is_a_miss(tmp_path, reusepkg):
    _, first = run(tmp_path)
    shutil.rmtree(first.run_dir)
    outcomes, again = run(tmp_path)
    assert outcomes == {FIRST: "ran", SECOND: "ran"} and again.outputs == first.outputs


@needs_cache
def test_two_runs_at_once_share_the_cache_without_corrupting_it(tmp_path, reusepkg):
    env = {**os.environ, "PIPE_FICTION_OUTPUTS": str(tmp_path / "outputs")}
    script = [sys.executable, "run_locally_in_subproc.py"]
    procs = [subprocess.Popen(script, cwd=PIPELINES_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True) for _ in range(2)]  # fmt: skip
    for proc in procs:
        out, _ = proc.communicate(timeout=300)
        assert proc.returncode == 0, out[-2000:]
    entries = list((tmp_path / "local_cache").glob("*.json"))
    # One entry for the first step; one or two for the second (its input is either run's file).
    assert len(entries) in (2, 3) and all(json.loads(p.read_text()) for p in entries)
    assert not list((tmp_path / "local_cache").glob("*.tmp"))
    assert run(tmp_path)[0] == {FIRST: "reused", SECOND: "reused"}


def test_the_run_script_prints_the_table_and_reruns_on_request(tmp_path, reusepkg):
    outputs = str(tmp_path / "outputs")
    first = run_script("run_locally_in_subproc.py", PIPE_FICTION_OUTPUTS=outputs)
    second = run_script("run_locally_in_subproc.py", "--rerun", SECOND, PIPE_FICTION_OUTPUTS=outputs)
    for proc in (first, second):
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert "task         outcome  seconds" in proc.stdout
    assert f"\n{FIRST}   ran " in first.stdout and "2 ran" in first.stdout
    if supported():
        assert f"\n{FIRST}   reused " in second.stdout and "1 ran, 1 reused" in second.stdout
        assert "needs kfp 2.17" not in second.stderr
    else:
        assert "reusing unchanged tasks needs kfp 2.17 or newer" in second.stderr and "2 ran" in second.stdout


def test_rerun_names_a_task_the_pipeline_has(tmp_path, reusepkg):
    proc = run_script("run_locally_in_subproc.py", "--rerun", "no-such-task", PIPE_FICTION_OUTPUTS=str(tmp_path))
    assert_one_line_error(proc, "no task 'no-such-task' in the pipeline; its tasks: first-step, second-step")


@pytest.mark.skipif(supported(), reason="kfp 2.17+ reuses tasks")
def test_without_a_local_cache_every_task_runs_and_the_run_says_why(tmp_path, reusepkg):
    run(tmp_path)
    assert run(tmp_path)[0] == {FIRST: "ran", SECOND: "ran"}


def test_a_debugged_task_and_its_dependents_always_run_but_its_upstream_may_be_reused():
    args = argparse.Namespace(rerun=[], no_cache=False, debug=["second_step"])
    assert reuse_options(args, two_steps).forced == {"comp-second-step"}
    args.debug = [FIRST]
    assert reuse_options(args, two_steps).forced == {"comp-first-step", "comp-second-step"}


def run_one(pipeline, tmp_path, **options):
    """One local run of ``pipeline`` (no arguments) in subprocesses; returns its outcomes and output."""
    args = argparse.Namespace(rerun=[], no_cache=False, debug=[])
    reuse = reuse_options(args, pipeline, {}, **options)
    result = run_pipeline(pipeline, local.SubprocessRunner(use_venv=False), tmp_path / "outputs", {}, reuse=reuse)
    return {record.name: record.outcome for record in result.tasks}, result.outputs["Output"]


@needs_cache
def test_an_edit_to_a_module_loaded_by_a_literal_name_or_in_a_namespace_package_reruns_with_the_new_value(
    tmp_path, reusepkg
):
    from utils.tests.fixtures.reuse_pipeline import dynamic_pipeline

    assert run_one(dynamic_pipeline, tmp_path) == ({"dynamic-step": "ran"}, "one-first")
    assert run_one(dynamic_pipeline, tmp_path) == ({"dynamic-step": "reused"}, "one-first")
    (reusepkg / "reusepkg" / "dynamic.py").write_text("VALUE = 'two'\n")
    assert run_one(dynamic_pipeline, tmp_path) == ({"dynamic-step": "ran"}, "two-first")
    (reusepkg / "nsreuse" / "inner.py").write_text("def value():\n    return 'second'\n")
    assert run_one(dynamic_pipeline, tmp_path) == ({"dynamic-step": "ran"}, "two-second")


@needs_cache
def test_another_data_folder_or_an_edited_data_file_reruns_the_task_that_reads_it(tmp_path, reusepkg, monkeypatch):
    from utils.tests.fixtures.reuse_pipeline import data_pipeline

    folders = {}
    for name in ("a", "b"):
        folders[name] = tmp_path / f"data-{name}"
        folders[name].mkdir()
        (folders[name] / "value.txt").write_text(f"from {name}\n")

    def run_with(name):
        monkeypatch.setenv("PIPE_FICTION_DATA_DIR", str(folders[name]))
        return run_one(data_pipeline, tmp_path, data_dir=folders[name])

    assert run_with("a") == ({"data-step": "ran"}, "from a")
    assert run_with("b") == ({"data-step": "ran"}, "from b")
    assert run_with("a") == ({"data-step": "reused"}, "from a")
    (folders["a"] / "value.txt").write_text("edited a\n")
    assert run_with("a") == ({"data-step": "ran"}, "edited a")


@needs_cache
@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"\x00\xff\xfe binary garbage", "is not JSON"),
        (b"[1, 2, 3]", "is not a JSON object"),
        (b'{"out": {"__kfp_artifact__": true, "uri": 5, "metadata": {}}}', "holds an artifact with a malformed uri"),
        (b'{"out": {"__kfp_artifact_list__": true, "artifacts": "x"}}', "holds a malformed artifact list"),
    ],
)
def test_a_corrupt_cache_entry_is_a_miss_said_once_and_then_rewritten(tmp_path, reusepkg, log_lines, content, problem):
    run(tmp_path)
    (entry,) = [p for p in (tmp_path / "local_cache").glob("*.json") if '"out"' in p.read_text()]
    entry.write_bytes(content)
    outcomes, result = run(tmp_path)
    # The first step reran (its new output file reruns the second, as kfp keys artifacts by their file).
    assert outcomes == {FIRST: "ran", SECOND: "ran"} and result.outputs["Output"] == "WORD\nWORD\nWORD"
    said = [line for line in log_lines if str(entry) in line]
    assert len(said) == 1 and problem in said[0]
    assert run(tmp_path)[0] == {FIRST: "reused", SECOND: "reused"}


@needs_cache
def test_a_task_whose_only_output_is_metadata_is_reused_until_its_run_folder_goes(tmp_path, reusepkg):
    from utils.tests.fixtures.reuse_pipeline import metadata_only_pipeline

    def once():
        args = argparse.Namespace(rerun=[], no_cache=False, debug=[])
        reuse = reuse_options(args, metadata_only_pipeline, {})
        runner = local.SubprocessRunner(use_venv=False)
        result = run_pipeline(metadata_only_pipeline, runner, tmp_path / "outputs", {}, reuse=reuse)
        return result.tasks[0].outcome, result

    first_outcome, first = once()
    assert first_outcome == "ran" and not (first.run_dir / "confusion" / "metrics").exists()
    assert once()[0] == "reused"
    shutil.rmtree(first.run_dir)
    assert once()[0] == "ran"


def reasons(result):
    return {record.name: record.reason for record in result.tasks}


@needs_cache
def test_every_task_that_ran_says_why(tmp_path, reusepkg):
    assert reasons(run(tmp_path)[1]) == {FIRST: "first run", SECOND: "first run"}
    assert reasons(run(tmp_path)[1]) == {FIRST: "", SECOND: ""}
    edit(reusepkg / "reusepkg" / "helpers.py")
    why = reasons(run(tmp_path)[1])
    assert why[FIRST] == "" and why[SECOND].startswith("code changed: ") and why[SECOND].endswith("helpers.py")
    assert reasons(run(tmp_path, count=4)[1])[FIRST] == "input changed: count"
    assert reasons(run(tmp_path, count=4, env={"MODE": "x"})[1])[FIRST] == "variable changed: MODE"
    assert reasons(run(tmp_path, count=4, env={"MODE": "x"}, rerun=[SECOND])[1])[SECOND].startswith("forced")
    _, last = run(tmp_path, count=4, env={"MODE": "x"}, no_cache=True)
    assert reasons(last) == {FIRST: "reuse off (--no-cache)", SECOND: "reuse off (--no-cache)"}
    shutil.rmtree(tmp_path / "outputs")  # every run folder: the cache's entries point at files that are gone
    assert reasons(run(tmp_path, count=4, env={"MODE": "x"})[1])[FIRST] == "earlier result missing"


def test_the_table_and_the_page_show_the_reason(tmp_path, reusepkg):
    outputs = str(tmp_path / "outputs")
    proc = run_script("run_locally_in_subproc.py", PIPE_FICTION_OUTPUTS=outputs)
    assert proc.returncode == 0, proc.stderr[-2000:]
    expected = "first run" if supported() else "no local task cache before kfp 2.17"
    assert f"{FIRST}   ran " in proc.stdout and proc.stdout.count(expected) >= 2
    (page,) = (tmp_path / "outputs").glob("fixture-reuse-*/index.html")
    assert "ran, " in page.read_text() and expected in page.read_text()
