"""Nothing outside a run's folder reaches its page, run.json or make runs, whatever a task links to."""

import json
import os
import subprocess

import pytest

from utils.common.paths import ROOT
from utils.report.previews import preview
from utils.report.run_files import OUTSIDE, RunFiles
from utils.testing.repo_copies import clean_env
from utils.testing.run_page import page_of
from utils.testing.scripts import run_script

MARKER = "TOP-SECRET-MARKER-7c1f"


@pytest.fixture
def host_secrets(tmp_path):
    """A file and a folder of the host's, outside any run."""
    secret = tmp_path / "host" / "id_rsa"
    secret.parent.mkdir()
    secret.write_text(f"-----BEGIN KEY----- {MARKER}\n")
    folder = tmp_path / "host" / "private"
    folder.mkdir()
    (folder / f"name-{MARKER}").write_text("x")
    return secret, folder


@pytest.mark.parametrize("script", ["run_locally_in_subproc.py", "run_locally_in_docker.py"])
def test_outputs_linking_out_of_the_run_are_never_read_into_the_page(script, host_secrets, tmp_path, request):
    if "docker" in script:
        request.getfixturevalue("task_image")
    secret, folder = host_secrets
    outputs = tmp_path / "outputs"
    proc = run_script(script, "--target", str(secret), "--folder", str(folder),
                      PIPE_FICTION_PIPELINE="utils.tests.fixtures.pipelines:links_pipeline",
                      PIPE_FICTION_OUTPUTS=str(outputs))  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:] + proc.stdout[-2000:]
    page = page_of(proc.stdout)
    (link,) = outputs.glob("fixture-links-*/link-out/secret")
    assert link.is_symlink() and os.readlink(link) == str(secret)  # the task did make the link
    for written in (page, page.parent / "run.json"):
        assert MARKER not in written.read_text()
    assert page.read_text().count("link to outside the run, not shown") == 2


def test_make_runs_never_reads_a_run_json_that_links_out(tmp_path):
    (tmp_path / "host").mkdir()
    outputs = tmp_path / "outputs"
    assert run_script("run_locally_in_subproc.py", PIPE_FICTION_OUTPUTS=str(outputs)).returncode == 0
    leaked = tmp_path / "host" / "facts.json"
    leaked.write_text(json.dumps({"pipeline": MARKER, "status": "succeeded", "started": 9e9, "seconds": 1.0,
                                  "arguments": {}, "metrics": {MARKER: 1}}))  # fmt: skip
    (outputs / "planted-run").mkdir()
    (outputs / "planted-run" / "run.json").symlink_to(leaked)
    env = clean_env(PIPE_FICTION_OUTPUTS=str(outputs), PIPE_FICTION_PIPELINE="utils.tests.fixtures.pipelines")
    done = subprocess.run(["make", "-s", "runs"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert MARKER not in done.stdout + done.stderr and MARKER not in (outputs / "runs.html").read_text()
    assert "planted-run: its run.json is a link to outside the run, not read" in done.stderr
    assert "fixture-words" in done.stdout


def test_a_link_inside_the_run_to_a_file_of_the_same_run_is_shown(tmp_path):
    run = tmp_path / "run-1" / "task"
    run.mkdir(parents=True)
    (run / "data").write_text("a,b\n1,2\n")
    (run / "alias").symlink_to(run / "data")
    (run / "escape").symlink_to(tmp_path)
    files = RunFiles(tmp_path)
    assert preview(run / "alias", files)["kind"] == "table"
    assert preview(run / "escape", files) == {"kind": OUTSIDE}
    assert preview(tmp_path / "elsewhere.txt", files) == {"kind": OUTSIDE}
    # A link to another run's folder leads out of this run too.
    other = tmp_path / "run-2" / "task"
    other.mkdir(parents=True)
    (other / "peek").symlink_to(run / "data")
    assert preview(other / "peek", files) == {"kind": OUTSIDE}


def test_a_run_folder_that_is_itself_a_link_is_not_read(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "task").mkdir(parents=True)
    (elsewhere / "task" / "out").write_text(MARKER)
    root = tmp_path / "root"
    root.mkdir()
    (root / "run-x").symlink_to(elsewhere)
    assert preview(root / "run-x" / "task" / "out", RunFiles(root)) == {"kind": OUTSIDE}
