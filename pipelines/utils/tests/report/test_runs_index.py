"""``make runs`` skips a run.json it cannot use, with one warning naming its folder, and lists the rest."""

import json

import pytest

from utils.report.runs_index import load_runs, main

GOOD = {"pipeline": "p", "status": "succeeded", "started": 100.0, "seconds": 1.5, "arguments": {}, "metrics": {}}


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("[1, 2]", "is not a JSON object"),
        ("{}", "has no valid 'pipeline'"),
        (json.dumps({**GOOD, "seconds": "slow"}), "has no valid 'seconds'"),
        (json.dumps({**GOOD, "metrics": ["a"]}), "has no valid 'metrics'"),
        ("\x00\xffnot json", "is not JSON"),
        ("[" * 100_000, "is not JSON"),
    ],
)
def test_a_wrong_shaped_run_json_is_skipped_with_a_warning_naming_its_folder(tmp_path, log_lines, content, problem):
    for name, text in (("good", json.dumps(GOOD)), ("bad", content)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "run.json").write_text(text, errors="surrogateescape")
    runs = load_runs(tmp_path)
    assert [run["folder"] for run in runs] == [str(tmp_path / "good")]
    assert log_lines == [f"skipped {tmp_path / 'bad'}: its run.json {problem}"]


def test_make_runs_ends_well_with_a_broken_run_beside_good_ones(tmp_path, monkeypatch, capsys):
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "run.json").write_text('"just a string"')
    (tmp_path / "fine").mkdir()
    (tmp_path / "fine" / "run.json").write_text(json.dumps(GOOD))
    monkeypatch.setenv("PIPE_FICTION_OUTPUTS", str(tmp_path))
    assert main([]) == 0
    assert "succeeded" in capsys.readouterr().out
