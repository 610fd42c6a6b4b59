"""Make it yours, as the README says, with a real project in place of the demo, nothing committed.

The project (``fixtures/projects/churn``) is a seven-step scikit-learn pipeline: a re-exporting
package ``__init__.py``, a package module named ``test_model.py``, parquet hand-offs, a dict
output, a metadata-only ``ClassificationMetrics``, Markdown and HTML outputs, a secret through
kfp-kubernetes and a required CSV path given as a host path. A copy of the repository is
renamed first (the README's step 0, on the clean tree), then the project goes in where the
README's steps put it, its dependencies are added and ``make lock`` run; from there every make
target a user runs is run as they would run it.
"""

import hashlib
import hmac
import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from utils.dev.rename import respell, spellings
from utils.testing.debug_session import free_port, make_debug_stop
from utils.testing.repo_copies import commit_all
from utils.tests.helpers.copies import ROOT, clean_env, clone, make, ok, once_on_the_locked_kfp

PROJECT = Path(__file__).parents[1] / "fixtures" / "projects" / "churn"
TEMPLATE = next(ROOT.glob("*-codebase")).name.removesuffix("-codebase")
NAME = "acme-churn-prediction" if TEMPLATE != "acme-churn-prediction" else "zeta-churn-prediction"
PACKAGE, CODEBASE = spellings(NAME)["snake"], f"{NAME}-codebase"
# The copy's own variables carry its new name (PIPE_FICTION_OUTPUTS becomes ACME_CHURN_..._OUTPUTS).
PREFIXES = (spellings(TEMPLATE)["upper"] + "_", spellings(NAME)["upper"] + "_")
SIGNING_KEY = "key-of-the-team-0123"
TASKS = ["load-customers", "split-customers", "fit-scaler", "tune-svm", "train-svm", "evaluate-model", "test-model"]
pytestmark = once_on_the_locked_kfp(also_in_copies=False)


def in_copy(copy: Path, *args: str, timeout: float = 900, **env: str) -> subprocess.CompletedProcess:
    return make(copy, "--no-print-directory", *args, timeout=timeout, rename=PREFIXES, **env)


def customers_csv(path: Path, rows: int = 240) -> Path:
    rng = np.random.default_rng(3)
    tenure, spend, calls = rng.uniform(0, 10, rows), rng.uniform(0, 5, rows), rng.poisson(2, rows)
    churned = (((tenure < 4) & (spend > 1.5)) | (calls > 4)).astype(int)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame({"tenure": tenure, "spend": spend, "support_calls": calls, "churned": churned})
    table.to_csv(path, index=False)
    return path


def put(source: Path, target: Path) -> None:
    """A file of the project, written as its user would have: in the name they chose."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(respell(source.read_text(), TEMPLATE, NAME))


def add_dependencies(pyproject: Path, wanted: list[str]) -> None:
    """Adds requirements to ``[project] dependencies`` as a user would (those it lacks)."""
    text = pyproject.read_text()
    head, rest = text.split("dependencies = [\n", 1)
    listed, tail = rest.split("]\n", 1)
    names = {re.split(r"[<>=~! ]", line.strip().strip('",'))[0] for line in listed.splitlines() if line.strip()}
    added = "".join(f'    "{w}",\n' for w in wanted if re.split(r"[<>=~! ]", w)[0] not in names)
    pyproject.write_text(f"{head}dependencies = [\n{listed}{added}]\n{tail}")


def make_it_yours(copy: Path) -> None:
    """Steps 1 to 5 of the README's "Make it yours", on the renamed copy, nothing committed."""
    package, tests = copy / CODEBASE / PACKAGE, copy / CODEBASE / "tests"
    # 1. The ML code replaces the demo's package modules and tests; its dependencies, then make lock.
    for old in [*package.glob("*.py"), *tests.glob("test_*.py")]:
        old.unlink()
    for source in (PROJECT / "codebase" / "package").glob("*.py"):
        put(source, package / source.name)
    for source in (PROJECT / "codebase" / "tests").glob("*.py"):
        put(source, tests / source.name)
    pyproject = copy / CODEBASE / "pyproject.toml"
    add_dependencies(pyproject, ["scikit-learn>=1.4", "pyarrow>=15"])
    # 2, 3. Components and pipeline; 4. the demo's tests replaced by the project's (conftest.py stays).
    for name in ("components.py", "pipeline.py"):
        put(PROJECT / "pipelines" / name, copy / "pipelines" / name)
    for old in (copy / "pipelines" / "tests").glob("*.py"):
        if old.name not in ("__init__.py", "conftest.py"):
            old.unlink()
    for source in (PROJECT / "pipelines" / "tests").glob("*.py"):
        put(source, copy / "pipelines" / "tests" / source.name)
    # 5. The secret the cluster injects, as a local file; the data LOCAL_ARGUMENTS names.
    secret = copy / "pipelines" / "local_kubernetes" / "secrets" / "report-signing.env"
    secret.parent.mkdir(parents=True)
    secret.write_text(f"key={SIGNING_KEY}\n")
    customers_csv(copy / "pipelines" / "data" / "customers.csv")


@pytest.fixture(scope="module")
def your_copy(tmp_path_factory):
    copy = clone(tmp_path_factory.mktemp("yours"))
    ok(make(copy, "--no-print-directory", "rename", f"NAME={NAME}", timeout=900))  # step 0, on a clean tree
    ok(in_copy(copy, "lint"))
    commit_all(copy, f"Rename to {NAME}")  # as the README says; from here on nothing is committed
    make_it_yours(copy)
    ok(in_copy(copy, "lock"))
    yield copy
    try:
        import docker

        engine = docker.from_env()
        for image in engine.images.list(name=NAME):
            engine.images.remove(image.id, force=True)
    except Exception:  # no engine: nothing was built
        pass


def changed_files(copy: Path) -> list[str]:
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=copy, capture_output=True,
                            text=True, check=True).stdout  # fmt: skip
    return [line[3:] for line in status.splitlines()]


def test_the_swap_edits_only_the_files_the_readme_names_and_is_not_committed(your_copy):
    allowed = re.compile(
        rf"^({re.escape(CODEBASE)}/({PACKAGE}|tests)/|{re.escape(CODEBASE)}/(pyproject\.toml|uv\.lock)$|"
        r"pipelines/(components|pipeline)\.py$|pipelines/uv\.lock$|pipelines/tests/(?!conftest\.py)|pipelines/data/)"
    )
    changed = changed_files(your_copy)
    assert f"{CODEBASE}/{PACKAGE}/test_model.py" in changed and "pipelines/pipeline.py" in changed
    assert [path for path in changed if not allowed.search(path)] == []


def run_record(outputs: Path) -> dict:
    (run,) = outputs.glob("churn-svm-*/run.json")
    return json.loads(run.read_text())


def run_record_of(proc: subprocess.CompletedProcess) -> dict:
    """The run.json of the run ``proc`` printed the folder of."""
    folder = next(line for line in proc.stdout.splitlines() if line.startswith("Run folder: "))
    return json.loads((Path(folder.removeprefix("Run folder: ")) / "run.json").read_text())


def signature_of(record: dict) -> tuple[str, str]:
    """The test task's signature, and the one the key gives its report (the key itself is never output)."""
    (task,) = [t for t in record["tasks"] if t["name"] == "test-model"]
    report = Path(task["outputs"]["report"]["path"]).read_text()
    expected = hmac.new(SIGNING_KEY.encode(), report.encode(), hashlib.sha256).hexdigest()[:16]
    return task["outputs"]["signature"], expected


def assert_a_real_run(proc: subprocess.CompletedProcess, outputs: Path) -> dict:
    assert "Pipeline outputs:" in proc.stdout and SIGNING_KEY not in proc.stdout + proc.stderr
    record = run_record(outputs)
    assert sorted(t["name"] for t in record["tasks"]) == sorted(TASKS)
    assert 0.8 < record["outputs"]["Output"] <= 1.0
    signature, expected = signature_of(record)
    assert signature == expected
    (run,) = outputs.glob("churn-svm-*")
    (evaluate,) = [t for t in record["tasks"] if t["name"] == "evaluate-model"]
    assert "confusionMatrix" in evaluate["outputs"]["metrics"]["metadata"]
    assert "# Churn model" in (run / "test-model" / "report").read_text()
    assert "<table>" in (run / "test-model" / "chart").read_text()
    # Its page shows what KFP's UI would: the matrix, the report rendered, the chart framed, parquet rows.
    page = (run / "index.html").read_text()
    assert '<table class="confusion">' in page and "<h1>Churn model</h1>" in page
    assert 'sandbox="allow-scripts"' in page and "parquet, " in page and "\x1b" not in page
    return record


def test_run_subproc_and_run_docker_take_the_same_host_path_and_the_secret(your_copy, tmp_path, request):
    csv = customers_csv(tmp_path / "elsewhere" / "customers.csv")  # a host path outside the repository
    args = f"ARGS=--csv-path {csv} --no-cache"
    local = in_copy(your_copy, "run-subproc", args, PIPE_FICTION_OUTPUTS=str(tmp_path / "subproc"))
    assert local.returncode == 0, (local.stdout + local.stderr)[-3000:]
    assert_a_real_run(local, tmp_path / "subproc")
    request.getfixturevalue("docker_engine")
    docker = in_copy(your_copy, "run-docker", args, PIPE_FICTION_OUTPUTS=str(tmp_path / "docker"))
    assert docker.returncode == 0, (docker.stdout + docker.stderr)[-3000:]
    assert_a_real_run(docker, tmp_path / "docker")


def test_debug_subproc_without_arguments_stops_in_the_package(your_copy, tmp_path):
    module = your_copy / CODEBASE / PACKAGE / "tuning.py"
    line = next(i for i, text in enumerate(module.read_text().splitlines(), 1) if text.strip().startswith("return {"))
    best = {}

    def inspect(client, frame):
        best["params"] = client.evaluate("sorted(search.best_params_)", frame["id"])

    env = clean_env(PREFIXES, PIPE_FICTION_OUTPUTS=str(tmp_path))
    _, frame = make_debug_stop(your_copy, ["debug-subproc", "TASK=tune-svm"], env, free_port(), (module, line),
                               inspect=inspect)  # fmt: skip
    assert (frame["source"]["path"], frame["line"], frame["name"]) == (str(module), line, "tune")
    assert best["params"] == "['C', 'kernel']"


def outcomes(proc: subprocess.CompletedProcess) -> dict[str, tuple[str, str]]:
    """The run table: task -> (outcome, why)."""
    lines = proc.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:2] == ["task", "outcome"])
    table = {}
    for line in lines[start + 1 :]:
        parts = line.split(None, 3)
        if len(parts) < 3 or parts[1] not in ("ran", "reused", "failed"):
            break
        table[parts[0]] = (parts[1], parts[3] if len(parts) > 3 else "")
    return table


@pytest.mark.parametrize("target", ["run-subproc", "run-docker"])
def test_a_rerun_reuses_every_task_and_a_one_line_edit_reruns_only_the_task_that_uses_it(
    your_copy, tmp_path, target, request
):
    if target == "run-docker":
        request.getfixturevalue("docker_engine")
    run = lambda: ok(in_copy(your_copy, target, PIPE_FICTION_OUTPUTS=str(tmp_path)))  # noqa: E731
    run()
    again = run()
    assert {task: outcome for task, (outcome, _) in outcomes(again).items()} == dict.fromkeys(TASKS, "reused")
    assert "Building" not in again.stdout
    reporting = your_copy / CODEBASE / PACKAGE / "reporting.py"
    original = reporting.read_text()
    reporting.write_text(original.replace('"# Churn model\\n\\n"', '"# Churn model, tested\\n\\n"'))
    assert reporting.read_text() != original
    try:
        edited = run()
    finally:
        reporting.write_text(original)
    ran = {task: why for task, (outcome, why) in outcomes(edited).items() if outcome == "ran"}
    assert ran == {"test-model": f"code changed: {PACKAGE}/reporting.py"}
    # The tasks carry their code: an edit builds no image.
    assert "Building" not in edited.stdout
    (record,) = [t for t in run_record_of(edited)["tasks"] if t["name"] == "test-model"]
    assert Path(record["outputs"]["report"]["path"]).read_text().startswith("# Churn model, tested")


def test_make_test_passes_with_the_users_tests_and_the_checks_of_their_pipeline(your_copy):
    done = in_copy(your_copy, "test", "PYTEST_ARGS=-q -p no:cacheprovider -rs", timeout=1200)
    failures = [line for line in done.stdout.splitlines() if line.startswith(("FAILED", "ERROR", "E "))]
    assert done.returncode == 0, "\n".join(failures[:40]) or (done.stdout + done.stderr)[-3000:]
    # The package's 4 tests (its ML module test_model.py is not one), then the user's 4 and the 4
    # checks of their pipeline, none skipped (its run included: LOCAL_ARGUMENTS gives the CSV).
    summaries = re.findall(r"^(\d+ passed.*?) in [\d.]+s", done.stdout, re.M)
    assert summaries == ["4 passed", "8 passed"], done.stdout[-3000:]


def test_make_lint_passes_on_the_users_code(your_copy):
    ok(in_copy(your_copy, "lint"))
