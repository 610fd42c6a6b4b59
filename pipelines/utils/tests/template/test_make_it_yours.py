"""Make it yours: a copy whose demo is replaced by another project runs, debugs and tests unchanged.

The swap touches only what the README's "Make it yours" section says a user edits: the
package's module (and its tests), ``components.py``, ``pipeline.py``, and the demo's tests,
which are deleted. Everything else (scripts, utils, Makefile, VS Code, machinery tests) stays.
"""

import contextlib
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from utils.debugging.bootstrap import WAITING
from utils.testing.dap_client import DapClient
from utils.tests.helpers import free_port
from utils.tests.helpers.copies import NESTED, clean_env, clone, make, ok, once_on_the_locked_kfp

YOURS = Path(__file__).parents[1] / "fixtures" / "your_project"
pytestmark = once_on_the_locked_kfp(also_in_copies=False)


def swap_in_your_project(copy: Path) -> Path:
    """Replaces the demo in the copy by the project in tests/fixtures/your_project; returns the copy."""
    package = copy / "pipe-fiction-codebase" / "pipe_fiction"
    for module in package.glob("*.py"):
        module.unlink()
    shutil.copy(YOURS / "wordplay.py", package / "wordplay.py")
    shutil.copy(YOURS / "package_init.py", package / "__init__.py")
    for test in (copy / "pipe-fiction-codebase" / "tests").glob("test_*.py"):
        test.unlink()
    shutil.copy(YOURS / "tests_of_wordplay.py", copy / "pipe-fiction-codebase" / "tests" / "test_wordplay.py")
    for name in ("components.py", "pipeline.py", "pipeline_with_outputs.py"):
        shutil.copy(YOURS / name, copy / "pipelines" / name)
    # Step 4: the demo's tests in pipelines/tests/ are replaced by yours; its conftest.py stays.
    for test in (copy / "pipelines" / "tests").glob("*.py"):
        if test.name not in ("__init__.py", "conftest.py"):
            test.unlink()
    shutil.copy(YOURS / "tests_of_components.py", copy / "pipelines" / "tests" / "test_components.py")
    # Committed, as a user would: the copy's own tests that clone it (make rename) see the swap.
    subprocess.run(["git", "add", "-A"], cwd=copy, check=True)
    identity = ["-c", "user.name=test", "-c", "user.email=test@example.com"]
    subprocess.run(["git", *identity, "commit", "--quiet", "-m", "My project"], cwd=copy, check=True)
    return copy


@pytest.fixture(scope="module")
def your_copy(tmp_path_factory):
    return swap_in_your_project(clone(tmp_path_factory.mktemp("yours")))


def only_edits_allowed(copy: Path) -> list[str]:
    changed = ["git", "diff", "--name-status", "HEAD~1", "HEAD"]
    status = subprocess.run(changed, cwd=copy, capture_output=True, text=True, check=True).stdout
    allowed = re.compile(r"pipe-fiction-codebase/(pipe_fiction|tests)/|pipelines/(components|pipeline\w*)\.py|"
                         r"pipelines/tests/(?!conftest\.py)")  # fmt: skip
    return [line for line in status.splitlines() if not allowed.search(line)]


def test_the_swap_edits_only_the_users_files(your_copy):
    assert only_edits_allowed(your_copy) == []


def test_make_run_subproc_runs_the_new_pipeline(your_copy, tmp_path):
    run = ok(make(your_copy, "run-subproc", "ARGS=--sentence 'Kubeflow pipelines compose'",
                  PIPE_FICTION_OUTPUTS=str(tmp_path)))  # fmt: skip
    assert "Pipeline outputs: none" in run.stdout
    (report,) = tmp_path.glob("wordplay-*/save-longest/report")
    assert report.read_text() == "pipelines"
    missing = make(your_copy, "run-subproc")
    assert missing.returncode != 0 and "the following arguments are required: --sentence" in missing.stderr


def test_the_variant_with_outputs_prints_them(your_copy, tmp_path):
    run = ok(make(your_copy, "run-subproc", "PIPELINE=pipeline_with_outputs", "ARGS=--sentence 'a bbb cc'",
                  PIPE_FICTION_OUTPUTS=str(tmp_path)))  # fmt: skip
    assert '  longest: "bbb"\n' in run.stdout and "    words  3\n" in run.stdout


def test_make_debug_subproc_stops_in_the_new_package_code(your_copy, tmp_path):
    module = your_copy / "pipe-fiction-codebase" / "pipe_fiction" / "wordplay.py"
    line = next(i for i, text in enumerate(module.read_text().splitlines(), 1) if "words = re.findall" in text)
    port = free_port()
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "debug-subproc", "TASK=split-words", f"PORT={port}", "TIMEOUT=120",
         "ARGS=--sentence 'one two three'"],
        cwd=your_copy, env=clean_env(PIPE_FICTION_OUTPUTS=str(tmp_path)), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        for output in proc.stdout:
            if WAITING in output:
                break
        client = DapClient("127.0.0.1", port)
        try:
            client.attach({str(module): [line + 1]})
            entry = client.event("stopped", 120)
            client.request("continue", threadId=entry["threadId"])
            stop = client.event("stopped", 120)
            frame = client.top_frame(stop["threadId"])
            assert (frame["source"]["path"], frame["line"], frame["name"]) == (str(module), line + 1, "tokenize")
            assert client.evaluate("words", frame["id"]) == "['one', 'two', 'three']"
            client.request("continue", threadId=stop["threadId"])
        finally:
            client.close()
        proc.wait(120)
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(30)
    assert proc.returncode == 0


@pytest.mark.usefixtures("docker_engine")
def test_make_run_docker_and_make_test_pass_under_a_tag_of_their_own(your_copy, tmp_path, docker_engine):
    tag = f"pipe-fiction:yours-{uuid.uuid4().hex[:8]}"
    try:
        run = ok(make(your_copy, "run-docker", f"IMAGE={tag}", "ARGS=--sentence 'containers work too'",
                      PIPE_FICTION_OUTPUTS=str(tmp_path)))  # fmt: skip
        (report,) = tmp_path.glob("wordplay-*/save-longest/report")
        assert report.read_text() == "containers" and "Pipeline outputs: none" in run.stdout
        test = make(your_copy, "test", f"IMAGE={tag}", "PYTEST_ARGS=-q -p no:cacheprovider", timeout=1500,
                    **{NESTED: "1"})  # fmt: skip
        failures = [line for line in test.stdout.splitlines() if line.startswith(("FAILED", "ERROR", "E "))]
        assert test.returncode == 0, "\n".join(failures[:40]) or (test.stdout + test.stderr)[-3000:]
        assert re.search(r"\d+ passed", test.stdout)
    finally:
        with contextlib.suppress(Exception):
            docker_engine.images.remove(tag, force=True)
