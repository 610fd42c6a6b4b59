"""Warm task workers: subprocess tasks forked from a parent that imported their libraries once.

Each task must still be a process of its own, with results identical to a fresh interpreter's.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from utils.common.signals import descendants
from utils.debugging.bootstrap import WAITING
from utils.kfp_seams.versions import kfp_version
from utils.local.warm.pool import fork_blocker
from utils.task_code.imports import installed_imports
from utils.testing.debug_session import RunningScript, free_port
from utils.tests.helpers import importable_tree, run_script
from utils.tests.helpers.processes import assert_ctrl_c_leaves_no_process, command_line

WARM = "utils.tests.fixtures.warm_pipeline"
SKIPPED = {"run.json", "index.html"}


def run(tmp_path: Path, pipeline: str, *args: str, name: str = "out") -> subprocess.CompletedProcess:
    env = {"PIPE_FICTION_PIPELINE": pipeline, "PIPE_FICTION_OUTPUTS": str(tmp_path / name)}
    return run_script("run_locally_in_subproc.py", "--no-cache", *args, **env)


def pipeline_output(proc: subprocess.CompletedProcess) -> str:
    lines = proc.stdout.splitlines()
    return lines[lines.index("Pipeline outputs:") + 1]


def outputs_of(proc: subprocess.CompletedProcess) -> str:
    """The run's outputs as its record has them, the run folder named RUN."""
    folder = next(line.split(": ", 1)[1] for line in proc.stdout.splitlines() if line.startswith("Run folder: "))
    outputs = json.loads((Path(folder) / "run.json").read_text())["outputs"]
    return json.dumps(outputs, sort_keys=True).replace(folder, "RUN")


def artifacts(root: Path) -> dict[str, bytes]:
    """Every file the tasks wrote, by its path under the run folder (which their URIs name as RUN)."""
    (folder,) = [p.parent for p in root.glob("*/run.json")]
    return {
        p.relative_to(folder).as_posix(): p.read_bytes().replace(str(folder).encode(), b"RUN")
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name not in SKIPPED and p.suffix != ".log" and "views" not in p.relative_to(folder).parts
    }


def test_a_task_forked_warm_sees_nothing_another_task_left_behind(tmp_path):
    proc = run(tmp_path, f"{WARM}:isolation", "--env", "PYTHONPATH=/pipe-fiction/extra")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    said = "leaked=False draws-differ=True cwd-on-path=True extra-path=True warm-parent"
    assert said in pipeline_output(proc)


def test_no_warm_starts_every_task_in_a_fresh_python(tmp_path):
    proc = run(tmp_path, f"{WARM}:isolation", "--no-warm", "--env", "PYTHONPATH=/pipe-fiction/extra")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "leaked=False draws-differ=True cwd-on-path=True extra-path=True fresh" in pipeline_output(proc)


@pytest.mark.parametrize("warm", [True, False], ids=["warm", "fresh"])
def test_a_task_that_exits_3_fails_the_run_with_its_log_and_nothing_else(tmp_path, warm):
    proc = run(tmp_path, f"{WARM}:exits", *([] if warm else ["--no-warm"]))
    assert proc.returncode == 1
    assert "about to exit" in proc.stdout
    assert "task 'exit-with' failed" in proc.stderr


def test_a_task_that_aborts_fails_alone_and_the_warm_parent_serves_the_next_run(tmp_path):
    proc = run(tmp_path, f"{WARM}:aborts")
    assert proc.returncode == 1 and "task 'abort' failed" in proc.stderr
    assert "Traceback" not in proc.stderr
    again = run(tmp_path, f"{WARM}:isolation", name="again")
    assert again.returncode == 0 and "warm-parent" in again.stdout


@pytest.mark.parametrize(
    "pipeline",
    ["utils.tests.fixtures.pipelines", "utils.tests.fixtures.visual_pipeline", "examples.control_flow",
     "examples.task_settings"],
)  # fmt: skip
def test_warm_and_fresh_runs_write_byte_identical_artifacts_and_outputs(tmp_path, pipeline):
    if pipeline == "examples.control_flow" and kfp_version() < (2, 16):
        pytest.skip("kfp.local runs dsl.ParallelFor from kfp 2.16")
    warm, fresh = run(tmp_path, pipeline, name="warm"), run(tmp_path, pipeline, "--no-warm", name="fresh")
    assert warm.returncode == fresh.returncode == 0, warm.stderr[-2000:] + fresh.stderr[-2000:]
    written = artifacts(tmp_path / "warm")
    assert written and written == artifacts(tmp_path / "fresh")
    assert outputs_of(warm) == outputs_of(fresh)


def test_the_warm_parent_imports_the_installed_modules_tasks_import_never_yours(tmp_path, monkeypatch):
    importable_tree(monkeypatch, tmp_path, {"mine/__init__.py": "", "mine/work.py": "import yaml\n"})
    source = "def step():\n    from numpy import linalg\n    import os\n    import mine.work\n"
    assert installed_imports([source]) == ["numpy", "yaml"]


def test_forking_is_refused_off_linux_and_for_libraries_that_do_not_survive_it():
    assert fork_blocker(["pandas"]) is None
    assert fork_blocker(["pandas"], platform="darwin") == "forking a warm parent is safe only on Linux (this is darwin)"
    assert fork_blocker(["torch.nn", "pandas"]) == "the tasks import torch, which does not survive a fork"


def test_a_stopped_warm_run_leaves_no_process_behind(tmp_path):
    script = RunningScript(
        ["run_locally_in_subproc.py", "--debug", "read-state", "--debug-port", str(free_port())],
        env={"PIPE_FICTION_PIPELINE": f"{WARM}:isolation", "PIPE_FICTION_OUTPUTS": str(tmp_path)},
    )
    try:
        script.wait_for(WAITING, 120)
        assert any("utils.local.warm.server" in command_line(pid) for pid in descendants(script.proc.pid))
    except BaseException:
        script.stop()
        raise
    assert_ctrl_c_leaves_no_process(script)


if sys.platform != "linux":
    pytestmark = pytest.mark.skip("warm workers are Linux-only")


def test_a_run_whose_tasks_are_all_reused_reads_no_imports_and_starts_no_parent():
    from utils.local.warm.pool import WarmWorkers

    def never() -> list[str]:
        raise AssertionError("the tasks' imports were read though no task ran")

    with WarmWorkers(never) as workers:
        pass
    assert workers.socket is None


def test_where_forking_is_not_safe_the_first_task_gets_its_own_command_back():
    from utils.local.warm.pool import WarmWorkers

    command = ["sh", "-c", 'python3 -m kfp.dsl.executor_main "$program_path/ephemeral_component.py"']
    with WarmWorkers(lambda: ["torch"]) as workers:
        assert workers.task_command(None, command) == command
    assert workers.socket is None
