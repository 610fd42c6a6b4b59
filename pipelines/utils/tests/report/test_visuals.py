"""The run page draws what KFP's UI draws: confusion matrices, curves, Markdown, HTML, parquet, clean logs.

The end-to-end tests run ``utils/tests/fixtures/visual_pipeline.py`` (every kind of artifact) in
subprocesses and in Docker and read its page in headless Chromium, offline: the DOM it builds, and
the console, where the HTML artifact's script reports what it could reach.
"""

import json
import re
import struct
import sys
import zlib

import pytest

from utils.report.logs import plain_log
from utils.report.markdown import render_markdown
from utils.report.previews import preview
from utils.report.run_files import RunFiles
from utils.report.runs_index import NO_METRICS, compared_metrics, format_runs
from utils.report.visuals import confusion_matrix, curves, visual
from utils.testing.run_page import page_of, render
from utils.testing.scripts import run_script
from utils.tests.fixtures.visual_pipeline import PROBE

PIPELINE = "utils.tests.fixtures.visual_pipeline"
MATRIX = {
    "annotationSpecs": [{"displayName": "cat"}, {"displayName": "dog"}],
    "rows": [{"row": [3, 1]}, {"row": [0, 4]}],
}


def test_a_confusion_matrix_has_its_labels_counts_shades_and_accuracy():
    drawn = confusion_matrix({"confusionMatrix": MATRIX})
    assert drawn["labels"] == ["cat", "dog"]
    assert [[c["count"] for c in row] for row in drawn["rows"]] == [[3, 1], [0, 4]]
    assert drawn["rows"][1][1]["shade"] == 1.0 and drawn["rows"][1][0]["shade"] == 0.0
    assert drawn["accuracy"] == 7 / 8


@pytest.mark.parametrize(
    "metadata",
    [{}, {"confusionMatrix": "x"}, {"confusionMatrix": {"annotationSpecs": [{}], "rows": [{"row": [1, 2]}]}}],
)
def test_a_malformed_confusion_matrix_is_not_drawn(metadata):
    assert confusion_matrix(metadata) is None


def test_roc_readings_become_a_curve_and_precision_a_second_one():
    readings = [
        {"falsePositiveRate": 0.0, "recall": 0.0, "confidenceThreshold": 1.0, "precision": 1.0},
        {"falsePositiveRate": 0.5, "recall": 0.9, "confidenceThreshold": 0.5, "precision": 0.7},
        {"falsePositiveRate": 1.0, "recall": 1.0, "confidenceThreshold": 0.0, "precision": 0.5},
    ]
    found = curves({"confidenceMetrics": readings})
    assert [c["title"] for c in found] == ["ROC curve", "Precision-recall"]
    assert all(c["svg"].startswith("<svg") and "<script" not in c["svg"] for c in found)
    assert curves({"confidenceMetrics": readings[:1]}) == []  # one point is no curve


def test_sliced_classification_metrics_are_drawn_per_slice():
    slices = [{"slice": name, "sliceClassificationMetrics": {"confusionMatrix": MATRIX}} for name in ("EU", "US")]
    metadata = {"evaluationSlices": slices}
    assert [d["slice"] for d in visual("system.SlicedClassificationMetrics", metadata)] == ["EU", "US"]


@pytest.mark.parametrize(
    ("markdown", "gone"),
    [
        ("<script>alert(1)</script>", "<script"),
        ("[x](javascript:alert(1))", 'href="javascript'),
        ('<b onmouseover="alert(1)">b</b>', "onmouseover"),
        ('<a href="data:text/html,<script>x</script>">d</a>', "data:text/html"),
        ("![remote](https://example.org/tracker.png)", "example.org"),
        ('<iframe src="file:///etc/passwd"></iframe>', "<iframe"),
        ("<style>body{display:none}</style>", "<style"),
    ],
)
def test_markdown_is_rendered_and_nothing_active_survives(markdown, gone):
    html = render_markdown(f"# Title\n\n| a |\n|---|\n| 1 |\n\n{markdown}\n")
    assert "<h1>Title</h1>" in html and "<td>1</td>" in html
    assert gone not in html


def run_dir(tmp_path):
    task = tmp_path / "run" / "task"
    task.mkdir(parents=True)
    return RunFiles(tmp_path), task


def test_parquet_arrow_and_feather_show_first_rows_schema_and_row_count(tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    files, task = run_dir(tmp_path)
    frame = pd.DataFrame({"id": range(20), "name": [f"n{i}" for i in range(20)]})
    frame.to_parquet(task / "table", index=False)
    frame.to_feather(task / "feather")
    for name, kind in (("table", "parquet"), ("feather", "arrow")):
        shown = preview(task / name, files, "system.Dataset")
        assert (shown["kind"], shown["format"], shown["rows_total"]) == ("columnar", kind, 20), shown
        assert shown["header"] == ["id", "name"] and shown["rows"][0] == ["0", "n0"] and len(shown["rows"]) == 8
        assert shown["schema"][0] == "id: int64" and shown["schema"][1].startswith("name: ")


def test_without_pyarrow_a_parquet_file_says_what_to_install(tmp_path, monkeypatch):
    files, task = run_dir(tmp_path)
    (task / "table").write_bytes(b"PAR1" + b"\0" * 32 + b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow now raises ImportError
    assert preview(task / "table", files) == {"kind": "columnar", "format": "parquet",
                                              "error": "install pyarrow to see its rows"}  # fmt: skip


def test_a_damaged_parquet_file_is_said_unreadable(tmp_path):
    pytest.importorskip("pyarrow")
    files, task = run_dir(tmp_path)
    (task / "table").write_bytes(b"PAR1 truncated")
    assert preview(task / "table", files)["error"].startswith("unreadable")


def test_metadata_only_artifacts_never_say_their_file_is_gone_and_a_model_shows_its_size(tmp_path):
    files, task = run_dir(tmp_path)
    assert preview(task / "metrics", files, "system.ClassificationMetrics") == {"kind": "none"}
    assert preview(task / "dataset", files, "system.Dataset") == {"kind": "missing"}
    (task / "model").write_bytes(b"\x80\x04model bytes")
    assert preview(task / "model", files, "system.Model") == {"kind": "model", "size": 13}


def test_logs_lose_their_terminal_escape_codes():
    raw = "\x1b[96m'read-data'\x1b[0m started\r\n\x1b]0;title\x07\x1b(Bdone \x1b[1;31mred\x1b[m\x00"
    assert plain_log(raw) == "'read-data' started\ndone red"


def test_make_runs_compares_the_accuracy_a_confusion_matrix_implies_or_says_there_is_nothing():
    task = {"name": "evaluate", "outputs": {"metrics": {"artifact": "system.ClassificationMetrics",
                                                        "metadata": {"confusionMatrix": MATRIX}}}}  # fmt: skip
    assert compared_metrics({"metrics": {}, "tasks": [task]}) == {"accuracy (evaluate.metrics)": 0.875}
    assert compared_metrics({"metrics": {"f1": 0.5}, "tasks": [task]}) == {"f1": 0.5}
    run = {"metrics": {}, "started": 0, "pipeline": "p", "arguments": {}, "status": "succeeded", "seconds": 1.0}
    assert format_runs([run]).endswith(f"({NO_METRICS})")


def png_pixels_differ(data: bytes) -> bool:
    """Whether a PNG screenshot shows something (not a blank or nearly blank page)."""
    _, height = struct.unpack(">II", data[16:24])
    raw, pos = b"", 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"IDAT":
            raw += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    rows = zlib.decompress(raw)
    stride = len(rows) // height
    # A drawn section has many different rows of pixels; a blank one, or a lone line, a handful.
    return len({rows[y * stride + 1 : (y + 1) * stride] for y in range(height)}) > 40


@pytest.fixture(params=["run_locally_in_subproc.py", "run_locally_in_docker.py"], ids=["subprocess", "docker"])
def visual_page(request, tmp_path):
    if "docker" in request.param:
        request.getfixturevalue("task_image")
    proc = run_script(request.param, PIPE_FICTION_PIPELINE=PIPELINE, PIPE_FICTION_OUTPUTS=str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return page_of(proc.stdout)


def test_the_page_draws_every_artifact_in_a_real_browser_offline(visual_page, tmp_path):
    dom = render(visual_page, "--dump-dom", "--virtual-time-budget=3000")
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    # The confusion matrix: its labels and counts in a table.
    matrix = re.search(r'<table class="confusion">(.*?)</table>', html, re.S).group(1)
    assert re.findall(r"<th>(cat|dog|bird)</th>", matrix)[:3] == ["cat", "dog", "bird"]
    assert [int(c) for c in re.findall(r'<td class="cell"[^>]*>(\d+)</td>', matrix)] == [8, 1, 1, 2, 7, 1, 0, 1, 9]
    assert "ROC curve" in html and 'class="curve-line"' in html
    # Markdown rendered to elements; its script and javascript: link gone.
    markdown = re.search(r'<div class="markdown">(.*?)</div>', html, re.S).group(1)
    assert "<h1>Evaluation report</h1>" in markdown and "<td>bird</td>" in markdown
    assert "<script" not in markdown and 'href="javascript' not in markdown and "onmouseover" not in markdown
    title = re.search(r"<title>([^<]*)</title>", html).group(1)
    assert title.startswith("fixture-visuals") and "ran" not in title  # neither script set it
    # The HTML artifact: a sandboxed frame (scripts, but an opaque origin), and a link to open it.
    (frame,) = re.findall(r"<iframe[^>]*>", html)
    assert 'sandbox="allow-scripts"' in frame and "allow-same-origin" not in frame
    assert re.search(r'<a href="views/[^"]+\.html">open chart as a page</a>', html)
    # Its script ran, and could reach neither the page around it nor a local file.
    console = [line for line in dom.stderr.splitlines() if "CONSOLE" in line]
    assert any(f"{PROBE}: parent blocked" in line for line in console), dom.stderr[-3000:]
    assert any(f"{PROBE}: file blocked" in line for line in console), dom.stderr[-3000:]
    assert not any(f"{PROBE}: parent reached" in line or f"{PROBE}: file read" in line for line in console)
    assert "data-reached" not in html
    # The page's own console is silent (the frame's messages come from views/...).
    assert not [line for line in console if "index.html" in line]
    # The parquet preview: schema, row count and first rows.
    assert "parquet, 50 rows: id: int64" in html and "<td>dog</td>" in html
    # The model: its size and metadata; the log: no escape code left.
    assert "model file," in html and "<td>framework</td><td>pickle</td>" in html
    assert "\x1b" not in html and "[32m" not in html and "training done" in html


@pytest.mark.parametrize("task", ["evaluate", "write-report", "draw-chart", "make-table"])
def test_a_screenshot_of_each_visual_is_not_blank(task, tmp_path):
    from utils.dev.screenshot import screenshot

    proc = run_script("run_locally_in_subproc.py", PIPE_FICTION_PIPELINE=PIPELINE,
                      PIPE_FICTION_OUTPUTS=str(tmp_path / "out"))  # fmt: skip
    page = page_of(proc.stdout)
    render(page, "--version")  # skips (or fails, where required) without Chromium
    shot = screenshot(page, tmp_path / f"{task}.png", task=task, size="900,600")
    assert png_pixels_differ(shot.read_bytes())
    assert not list(page.parent.glob(".screenshot-*"))  # its copy of the page is gone


def test_the_run_json_keeps_the_raw_log_and_metadata(tmp_path):
    proc = run_script("run_locally_in_subproc.py", PIPE_FICTION_PIPELINE=PIPELINE,
                      PIPE_FICTION_OUTPUTS=str(tmp_path / "out"))  # fmt: skip
    facts = json.loads((page_of(proc.stdout).parent / "run.json").read_text())
    (train,) = [t for t in facts["tasks"] if t["name"] == "train"]
    (evaluate,) = [t for t in facts["tasks"] if t["name"] == "evaluate"]
    assert "\x1b[32m" in train["log"]  # the page cleans what it shows; the facts keep what was printed
    assert "confusionMatrix" in evaluate["outputs"]["metrics"]["metadata"]
