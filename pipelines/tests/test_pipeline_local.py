"""The whole demo pipeline run through kfp.local's SubprocessRunner and the run script."""

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from kfp import local

import run_locally_in_subproc
from pipeline import demo_pipeline
from tests.conftest import PIPELINES_DIR, expected_summary, read_json
from tests.helpers import assert_one_line_error, run_script
from utils.errors import run_cli
from utils.local_run import LocalRunResult, TaskFailedError, format_result, run_pipeline


def test_pipeline_run_produces_the_expected_summary_and_artifacts(tmp_path):
    result = run_pipeline(
        demo_pipeline,
        runner=local.SubprocessRunner(use_venv=False),
        pipeline_root=tmp_path,
        arguments={"num_rows": 400, "seed": 7, "noise": 0.25},
    )
    expected = expected_summary(400, 7, 0.25)
    assert result.metrics == pytest.approx({k: float(v) for k, v in expected.items()})
    assert result.run_dir.parent == tmp_path
    assert sorted(p.name for p in result.run_dir.iterdir()) == ["generate-data", "process-data", "summarize-data"]
    raw = pd.read_csv(result.run_dir / "generate-data" / "dataset")
    processed = pd.read_csv(result.run_dir / "process-data" / "processed")
    assert len(raw) == 400
    assert len(processed) == expected["rows"]
    assert read_json(result.run_dir / "summarize-data" / "metrics") == pytest.approx(expected)


def test_pipeline_failure_names_the_failed_task(tmp_path):
    with pytest.raises(TaskFailedError) as caught:
        run_pipeline(
            demo_pipeline,
            runner=local.SubprocessRunner(use_venv=False),
            pipeline_root=tmp_path,
            arguments={"num_rows": 0, "seed": 1, "noise": 0.1},
        )
    assert caught.value.task == "generate-data"
    assert str(caught.value) == "task 'generate-data' failed; its log is above"


def test_script_main_prints_summary_and_artifact_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PIPE_FICTION_OUTPUTS", str(tmp_path))
    assert run_locally_in_subproc.main(["--num-rows", "150", "--seed", "2"]) == 0
    out = capsys.readouterr().out
    rows = expected_summary(150, 2, 0.1)["rows"]
    assert "Pipeline outputs:" in out
    assert f"  rows              {rows}\n" in out
    assert f"Run folder: {tmp_path}" in out


@pytest.mark.parametrize("verbose", [False, True])
def test_script_runs_end_to_end_as_a_program(tmp_path, verbose):
    env = {**os.environ, "PIPE_FICTION_OUTPUTS": str(tmp_path / "~out")}
    proc = subprocess.run(
        [sys.executable, "run_locally_in_subproc.py", "--num-rows", "50", *(["--verbose"] if verbose else [])],
        cwd=PIPELINES_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Pipeline outputs:" in proc.stdout
    assert any((tmp_path / "~out").iterdir())
    # kfp's executor dumps each task's executor input (~30 lines of JSON): only with --verbose.
    assert ("Got executor_input" in proc.stdout) is verbose
    assert ('"outputFile":' in proc.stdout) is verbose


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--num-rows", "abc"], "--num-rows: invalid integer value: 'abc'"),
        (["--noise", "x"], "--noise: invalid number value: 'x'"),
        (["--seed", str(2**60)], "--seed: 1152921504606846976 is beyond +-2**53"),
        (["--debug-port", "70000"], "--debug-port: expected a port number (1-65535), got '70000'"),
        (["--debug-port", "-1"], "--debug-port: expected a port number (1-65535), got '-1'"),
        (["--debug-timeout", "0"], "--debug-timeout: expected a number of seconds above 0, got '0'"),
    ],
)
def test_script_rejects_bad_arguments(args, message, capsys):
    with pytest.raises(SystemExit) as caught:
        run_locally_in_subproc.parse_args(args)
    assert caught.value.code == 2
    assert message in capsys.readouterr().err.strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--num-rows", "0"], "size must be between 1 and 5,000,000, got 0"),
        (["--seed", "-1"], "seed must be a whole number of at least 0, got -1"),
        (["--noise", "2"], "noise must be between 0 and 1, got 2.0"),
    ],
)
def test_values_the_tasks_would_reject_are_refused_before_anything_runs(args, message, tmp_path):
    proc = run_script("run_locally_in_subproc.py", *args, PIPE_FICTION_OUTPUTS=str(tmp_path))
    assert_one_line_error(proc, f"pipeline argument refused: {message}")
    assert not any(tmp_path.iterdir())


def test_run_cli_turns_a_task_failure_into_one_line_and_exit_1(capfd):
    def main():
        raise TaskFailedError("process-data")

    with pytest.raises(SystemExit) as caught:
        run_cli(main)
    assert caught.value.code == 1
    err = capfd.readouterr().err
    assert err.strip().splitlines() == ["ERROR   task 'process-data' failed; its log is above"]


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


def test_runs_leave_no_kfp_workspace_folders_in_the_temp_directory(tmp_path):
    import tempfile

    def workspaces():
        return set(Path(tempfile.gettempdir()).glob("kfp-workspace-*"))

    before = workspaces()
    for _ in range(2):
        proc = run_script("run_locally_in_subproc.py", "--num-rows", "20", PIPE_FICTION_OUTPUTS=str(tmp_path))
        assert proc.returncode == 0, proc.stderr[-2000:]
    assert workspaces() - before == set()
