"""The demo pipeline end to end: its outputs against the package's own computation."""

import pandas as pd
import pytest
from kfp import local

import run_locally_in_subproc
from pipeline import demo_pipeline
from tests.demo_expected import expected_summary
from utils.common.errors import TaskFailedError
from utils.docker.runner import docker_runner
from utils.local.run import run_pipeline
from utils.testing.fixtures import read_json
from utils.testing.scripts import assert_one_line_error, run_script


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
    assert sorted(p.name for p in result.run_dir.iterdir() if p.is_dir()) == [
        "generate-data",
        "process-data",
        "summarize-data",
    ]
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


@pytest.mark.usefixtures("task_image")
def test_demo_pipeline_runs_in_containers_with_network_disabled(tmp_path):
    result = run_pipeline(
        demo_pipeline,
        runner=docker_runner(network_mode="none"),
        pipeline_root=tmp_path,
        arguments={"num_rows": 300, "seed": 4, "noise": 0.2},
    )
    expected = expected_summary(300, 4, 0.2)
    assert result.metrics == pytest.approx({k: float(v) for k, v in expected.items()})
    assert sorted(p.name for p in result.run_dir.iterdir() if p.is_dir()) == [
        "generate-data",
        "process-data",
        "summarize-data",
    ]
