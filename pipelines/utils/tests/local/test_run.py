"""Local runs of any pipeline through the run scripts and utils.local.run, on the tests' own pipelines."""

import json
from pathlib import Path

import pytest
from kfp import local

import run_locally_in_subproc
from utils.common.cli import run_cli
from utils.common.errors import TaskFailedError
from utils.local.run import LocalRunResult, format_result, run_pipeline
from utils.tests.fixtures import pipelines as fixtures
from utils.tests.helpers import assert_usage_error, run_script

FIXTURES = "utils.tests.fixtures.pipelines"


def test_a_pipeline_runs_and_returns_its_outputs_and_run_folder(tmp_path):
    result = run_pipeline(
        fixtures.words_pipeline, local.SubprocessRunner(use_venv=False), tmp_path, {"count": 4, "prefix": "q"}
    )
    assert result.run_dir.parent == tmp_path and result.run_dir.name.startswith("fixture-words-")
    assert (result.run_dir / "write-words" / "text").read_text() == "q0\nq1\nq2\nq3\n"
    assert result.metrics == {"lines": 4}
    assert list(result.outputs) == ["Output"]


def test_a_failing_task_is_named(tmp_path):
    with pytest.raises(TaskFailedError) as caught:
        run_pipeline(fixtures.failing_pipeline, local.SubprocessRunner(use_venv=False), tmp_path, {})
    assert caught.value.task == "explode"
    assert str(caught.value) == "task 'explode' failed; its log is above"


@pytest.mark.parametrize("verbose", [False, True])
def test_the_script_runs_the_pipeline_and_prints_its_outputs(tmp_path, verbose):
    args = ["--count", "5", *(["--verbose"] if verbose else [])]
    proc = run_script("run_locally_in_subproc.py", *args, PIPE_FICTION_OUTPUTS=str(tmp_path / "~out"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Pipeline outputs:\n  Output: Metrics at " in proc.stdout and "    lines  5\n" in proc.stdout
    assert f"Run folder: {tmp_path / '~out'}" in proc.stdout
    # kfp's executor dumps each task's executor input (~30 lines of JSON): only with --verbose.
    assert ("Got executor_input" in proc.stdout) is verbose
    assert ('"outputFile":' in proc.stdout) is verbose


def test_a_pipeline_without_outputs_and_with_a_required_parameter(tmp_path):
    env = {
        "PIPE_FICTION_PIPELINE": "utils.tests.fixtures.pipelines:no_outputs_pipeline",
        "PIPE_FICTION_OUTPUTS": str(tmp_path),
    }
    missing = run_script("run_locally_in_subproc.py", **env)
    assert missing.returncode == 2 and "the following arguments are required: --prefix" in missing.stderr
    proc = run_script("run_locally_in_subproc.py", "--prefix", "z", "--count", "3", **env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Pipeline outputs: none\n" in proc.stdout
    (run_dir,) = tmp_path.glob("fixture-no-outputs-*")
    assert (run_dir / "write-words" / "text").read_text() == "z0\nz1\nz2\n"


def test_a_pipeline_returning_a_parameter_and_metrics(tmp_path, monkeypatch):
    monkeypatch.setenv("PIPE_FICTION_PIPELINE", FIXTURES + ":two_outputs_pipeline")
    monkeypatch.setenv("PIPE_FICTION_OUTPUTS", str(tmp_path))
    result = run_pipeline(fixtures.two_outputs_pipeline, local.SubprocessRunner(use_venv=False), tmp_path, {"count": 6})
    assert result.outputs["total"] == 3.0
    assert result.metrics == {"lines": 6}
    text = format_result(result)
    assert "  total: 3\n" in text and "    lines  6\n" in text


def test_every_parameter_type_arrives_in_the_task(tmp_path):
    env = {
        "PIPE_FICTION_PIPELINE": "utils.tests.fixtures.pipelines:every_type_pipeline",
        "PIPE_FICTION_OUTPUTS": str(tmp_path),
    }
    args = ["--number", "7", "--ratio", "0.25", "--name", "hi there", "--flag", "true", "--names", '["p", "q"]',
            "--table", '{"a": [1, 2]}']  # fmt: skip
    proc = run_script("run_locally_in_subproc.py", *args, **env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    line = next(line for line in proc.stdout.splitlines() if line.startswith("  Output: "))
    assert json.loads(json.loads(line.removeprefix("  Output: "))) == [
        7,
        0.25,
        "hi there",
        True,
        ["p", "q"],
        {"a": [1, 2]},
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--count", "abc"], "--count: invalid integer value: 'abc'"),
        (["--count", str(2**60)], "--count: 1152921504606846976 is beyond +-2**53"),
        (["--debug-port", "70000"], "--debug-port: expected a port number (1-65535), got '70000'"),
        (["--debug-port", "-1"], "--debug-port: expected a port number (1-65535), got '-1'"),
        (["--debug-timeout", "0"], "--debug-timeout: expected a number of seconds above 0, got '0'"),
    ],
)
def test_script_rejects_bad_arguments(args, message, capsys):
    assert_usage_error(run_locally_in_subproc.parse_args, args, message, capsys)


def test_runs_leave_no_kfp_workspace_folders_in_the_temp_directory(tmp_path):
    import tempfile

    def workspaces():
        return set(Path(tempfile.gettempdir()).glob("kfp-workspace-*"))

    before = workspaces()
    for _ in range(2):
        proc = run_script("run_locally_in_subproc.py", PIPE_FICTION_OUTPUTS=str(tmp_path))
        assert proc.returncode == 0, proc.stderr[-2000:]
    assert workspaces() - before == set()


def test_run_cli_turns_a_task_failure_into_one_line_and_exit_1(capfd):
    def main():
        raise TaskFailedError("count-lines")

    with pytest.raises(SystemExit) as caught:
        run_cli(main)
    assert caught.value.code == 1
    err = capfd.readouterr().err
    assert err.strip().splitlines() == ["ERROR   task 'count-lines' failed; its log is above"]


def test_format_result_shows_every_output_kind_and_the_run_folder(tmp_path):
    from kfp.dsl import Dataset, Metrics

    metrics = Metrics(name="metrics", uri=str(tmp_path / "m"), metadata={"rows": 3.0, "mean_rating": 2.5})
    data = Dataset(name="data", uri=str(tmp_path / "d"))
    outputs = {"metrics": metrics, "data": data, "names": ["a", "b"], "score": 0.5, "ok": True}
    text = format_result(LocalRunResult(outputs=outputs, run_dir=tmp_path))
    assert text.splitlines() == [
        "Pipeline outputs:",
        f"  metrics: Metrics at {tmp_path / 'm'}",
        "    mean_rating  2.5",
        "    rows         3",
        f"  data: Dataset at {tmp_path / 'd'}",
        '  names: ["a", "b"]',
        "  score: 0.5",
        "  ok: true",
        f"Run folder: {tmp_path}",
    ]
    assert LocalRunResult(outputs=outputs, run_dir=tmp_path).metrics == {"rows": 3.0, "mean_rating": 2.5}


def test_format_result_of_a_pipeline_without_outputs(tmp_path):
    assert format_result(LocalRunResult(outputs={}, run_dir=tmp_path)).splitlines() == [
        "Pipeline outputs: none",
        f"Run folder: {tmp_path}",
    ]
