import json
import subprocess
import sys

import pandas as pd

from pipe_fiction.__main__ import main


def test_generate_process_summarize_chain_writes_files(tmp_path):
    raw, processed, summary = tmp_path / "raw.csv", tmp_path / "out" / "processed.csv", tmp_path / "summary.json"
    assert main(["generate", "--rows", "120", "--seed", "3", "--output", str(raw)]) == 0
    assert main(["process", "--input", str(raw), "--output", str(processed)]) == 0
    assert main(["summarize", "--input", str(processed), "--output", str(summary)]) == 0
    assert len(pd.read_csv(raw)) == 120
    assert "word_count" in pd.read_csv(processed).columns
    assert json.loads(summary.read_text())["rows"] == len(pd.read_csv(processed))


def test_bad_size_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["generate", "--rows", "0", "--output", str(tmp_path / "x.csv")]) == 2
    assert capsys.readouterr().err.strip() == "error: size must be between 1 and 5,000,000, got 0"


def test_runs_as_a_module():
    out = subprocess.run([sys.executable, "-m", "pipe_fiction", "--help"], capture_output=True, text=True, check=True)
    assert "generate" in out.stdout and "summarize" in out.stdout
