"""The demo's run page: its three tasks with durations, the dataset previews and the metrics."""

import json

from utils.testing.run_page import page_of, parts
from utils.testing.scripts import run_script


def test_the_demo_page_shows_its_graph_the_dataset_preview_and_the_metrics(tmp_path):
    proc = run_script("run_locally_in_subproc.py", "--num-rows", "200", PIPE_FICTION_OUTPUTS=str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-2000:]
    page = page_of(proc.stdout)
    found = parts(page)
    assert found.nodes == {"generate-data": "ran", "process-data": "ran", "summarize-data": "ran"}
    html = page.read_text()
    # The generated CSV's first rows as a table, its columns as headers.
    assert '<table class="csv">' in html and "<th>text</th>" in html
    facts = json.loads((page.parent / "run.json").read_text())
    assert facts["metrics"]["rows"] == facts["tasks"][1]["outputs"]["processed"]["metadata"]["rows"]
    assert all(f"ran {task['seconds']:.2f} s" in html for task in facts["tasks"])
