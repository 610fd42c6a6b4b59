"""Every local run leaves a run page (graph, timeline, tasks, previews) and ``make runs`` compares runs."""

import base64
import json

import pytest

from examples import control_flow, task_settings
from utils.common.paths import PIPELINES_DIR
from utils.kfp_seams.versions import kfp_version
from utils.pipeline.discovery import load_pipeline, task_names
from utils.report.page import environment
from utils.report.previews import preview
from utils.report.run_files import RunFiles
from utils.testing.run_page import PageParts, page_of, parts, render
from utils.tests.helpers import run_script
from utils.tests.helpers.copies import clean_env

LOCAL_CONTROL_FLOW = kfp_version() >= max(control_flow.LOCAL_RUN_SINCE, task_settings.LOCAL_RUN_SINCE)


def run(tmp_path, *args, script="run_locally_in_subproc.py", **env):
    proc = run_script(script, *args, PIPE_FICTION_OUTPUTS=str(tmp_path / "out"), **env)
    return proc


def test_a_run_page_shows_every_task_in_the_graph_the_timeline_and_the_facts(tmp_path):
    proc = run(tmp_path, "--count", "4")
    assert proc.returncode == 0, proc.stderr[-2000:]
    page = page_of(proc.stdout)
    found = parts(page)
    tasks = task_names(load_pipeline("utils.tests.fixtures.pipelines"))
    assert found.nodes == dict.fromkeys(tasks, "ran")
    assert sorted(found.bars) == ["ran"] * len(tasks) and set(found.sections) == set(tasks)
    html = page.read_text()
    assert "count=4" in html and "subprocess" in html and 'id="metrics"' in html
    facts = json.loads((page.parent / "run.json").read_text())
    assert facts["status"] == "succeeded" and facts["metrics"] == {"lines": 4.0}
    assert [t["name"] for t in facts["tasks"]] == ["make-words", "write-words", "count-lines"]
    # The text artifact is previewed and linked; the task's inputs show its upstream values.
    write = next(t for t in facts["tasks"] if t["name"] == "write-words")
    assert write["inputs"]["words"] == ["w0", "w1", "w2", "w3"]
    assert "w0\nw1" in html and (page.parent / "write-words" / "text").as_uri() in html


def test_a_reused_task_is_shown_reused(tmp_path):
    run(tmp_path)
    again = run(tmp_path, "--rerun", "count-lines")
    found = parts(page_of(again.stdout))
    if kfp_version() >= (2, 17):
        assert found.nodes == {"make-words": "reused", "write-words": "reused", "count-lines": "ran"}
    else:
        assert set(found.nodes.values()) == {"ran"}


def test_a_failed_run_has_a_page_with_the_failed_task_open_and_its_log(tmp_path):
    proc = run(tmp_path, PIPE_FICTION_PIPELINE="utils.tests.fixtures.pipelines:failing_pipeline")
    assert proc.returncode == 1
    page = page_of(proc.stdout)
    found = parts(page)
    assert found.nodes["explode"] == "failed" and found.sections["explode"] is True
    assert "explode: failing on purpose with exit code 3" in page.read_text()
    assert json.loads((page.parent / "run.json").read_text())["failed_task"] == "explode"


@pytest.mark.parametrize(
    ("name", "args"),
    [
        pytest.param("control_flow", [], marks=pytest.mark.skipif(not LOCAL_CONTROL_FLOW, reason="kfp 2.17+")),
        pytest.param(
            "task_settings", ["--num-rows", "50"], marks=pytest.mark.skipif(not LOCAL_CONTROL_FLOW, reason="kfp 2.17+")
        ),
        ("importer", None),
    ],
)
def test_every_example_gets_a_page_with_its_whole_graph(name, args, tmp_path):
    if args is None:
        rows = tmp_path / "rows.csv"
        rows.write_text("text\nsome data here\nno\n")
        args = ["--uri", str(rows)]
    proc = run(tmp_path, *args, PIPE_FICTION_PIPELINE=f"examples.{name}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    found = parts(page_of(proc.stdout))
    assert set(found.nodes) == set(task_names(load_pipeline(f"examples.{name}")))
    assert "ran" in found.nodes.values()
    if name == "control_flow":  # one branch of the If/Elif/Else runs, the others are skipped
        assert "skipped" in found.nodes.values() and found.groups


def test_a_docker_run_page_names_the_runner_and_image(tmp_path, task_image):
    proc = run(tmp_path, "--num-rows", "37", script="run_locally_in_docker.py",
               PIPE_FICTION_PIPELINE="examples.container_component")  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    page = page_of(proc.stdout)
    assert set(parts(page).nodes.values()) == {"ran"}
    assert "docker" in page.read_text() and task_image in page.read_text()


def test_the_page_renders_in_headless_chromium_offline_without_console_errors(tmp_path):
    proc = run(tmp_path)
    page = page_of(proc.stdout)
    dom = render(page, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    found = parts_of_dom(dom.stdout)
    assert set(found.nodes) == set(task_names(load_pipeline("utils.tests.fixtures.pipelines"))) and found.bars
    assert "CONSOLE" not in dom.stderr and "Uncaught" not in dom.stderr
    shot = tmp_path / "page.png"
    done = render(page, f"--screenshot={shot}", "--window-size=1200,900")
    assert done.returncode == 0 and shot.is_file(), done.stderr[-2000:]
    # A blank 1200x900 page compresses to a few kB; the drawn graph, tables and bars do not.
    assert shot.stat().st_size > 20_000


def parts_of_dom(html):
    return PageParts(html)


def test_make_runs_lists_three_runs_and_compares_their_metrics(tmp_path):
    for count in ("2", "3", "5"):
        assert run(tmp_path, "--count", count).returncode == 0
    env = clean_env(PIPE_FICTION_OUTPUTS=str(tmp_path / "out"), PIPE_FICTION_PIPELINE="utils.tests.fixtures.pipelines")
    import subprocess

    done = subprocess.run(["make", "-s", "runs"], cwd=PIPELINES_DIR.parent, env=env, capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:3] == ["time", "pipeline", "arguments"])
    rows = [line for line in lines[header + 1 :] if "fixture-words" in line]
    assert len(rows) == 3 and "count=5" in rows[0] and "count=2" in rows[2]  # newest first
    assert "lines=5.0" in rows[0] and "succeeded" in rows[0]
    index = (tmp_path / "out" / "runs.html").read_text()
    assert index.count('<td class="num">') >= 6 and "lines" in index
    assert ">5.0<" in index and ">3.0<" in index and ">2.0<" in index
    assert index.count("index.html") == 3


def test_previews_sniff_csv_json_text_images_folders_and_binaries(tmp_path):
    files, task = RunFiles(tmp_path), tmp_path / "run" / "task"
    task.mkdir(parents=True)
    (task / "dataset").write_text("a,b\n1,2\n3,4\n")
    (task / "data.json").write_text('{"b": 1, "a": [1, 2]}')
    (task / "notes").write_text("line one\nline two\n")
    (task / "blob").write_bytes(b"\xff\xfe\x00binary")
    pixel = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    )
    (task / "plot.png").write_bytes(pixel)
    assert preview(task / "dataset", files) == {"kind": "table", "header": ["a", "b"], "rows": [["1", "2"], ["3", "4"]],
                                             "more_columns": 0}  # fmt: skip
    assert preview(task / "data.json", files)["text"].startswith('{\n  "a"')
    assert preview(task / "notes", files)["kind"] == "text"
    assert preview(task / "blob", files)["kind"] == "binary"
    assert preview(task / "plot.png", files)["src"].startswith("data:image/png;base64,")
    assert preview(task, files)["kind"] == "folder" and preview(task / "gone", files)["kind"] == "missing"


def test_a_task_log_is_shown_as_text_never_as_markup():
    html = environment().from_string("<pre>{{ log }}</pre>").render(log="<script>alert(1)</script>")
    assert "<script>" not in html and "&lt;script&gt;" in html


@pytest.mark.skipif(kfp_version() < (2, 16), reason="kfp.local runs loops from 2.16")
def test_loop_iterations_are_told_apart_by_index_and_item_in_the_timeline_and_task_list(tmp_path):
    proc = run(tmp_path, PIPE_FICTION_PIPELINE="utils.tests.fixtures.pipelines:loop_pipeline")
    assert proc.returncode == 0, proc.stderr[-2000:]
    html = page_of(proc.stdout).read_text()
    for index, item in enumerate(["p", "q", "r"]):
        row = f'<div class="name" title="make-words[{index}] (count=2, prefix=&#34;{item}&#34;)">'
        assert row in html, html[html.find('id="timeline"') :][:1500]
        assert f'make-words[{index}] <span class="item">count=2, prefix=&#34;{item}&#34;</span>' in html
