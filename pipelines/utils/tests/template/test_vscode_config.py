"""The VS Code files agree with the Makefile, the pipeline and what a debugged task prints."""

import json
import re
import subprocess

import pytest

from utils.common.paths import PIPELINES_DIR
from utils.debugging.bootstrap import WAITING
from utils.pipeline.discovery import load_pipeline, task_names

ROOT = PIPELINES_DIR.parent
VSCODE = ROOT / ".vscode"


def load(name):
    return json.loads((VSCODE / name).read_text())


def test_launch_has_an_attach_config_per_mode_with_the_right_mappings():
    configs = {c["name"]: c for c in load("launch.json")["configurations"]}
    for mode in ("subprocess", "docker", "cluster"):
        config = configs[f"Pipeline: attach ({mode})"]
        assert config["type"] == "debugpy" and config["request"] == "attach"
        assert config["connect"] == {"host": "localhost", "port": 5678}
        assert config["justMyCode"] is False
    assert "pathMappings" not in configs["Pipeline: attach (subprocess)"]
    for mode in ("docker", "cluster"):
        (mapping,) = configs[f"Pipeline: attach ({mode})"]["pathMappings"]
        assert mapping["remoteRoot"] == "/app"
        assert (ROOT / mapping["localRoot"].replace("${workspaceFolder}/", "")).is_dir()


@pytest.mark.parametrize("mode", ["subproc", "docker"])
def test_one_key_configs_start_a_background_make_target_that_ends_on_the_waiting_line(mode):
    tasks = {t["label"]: t for t in load("tasks.json")["tasks"]}
    configs = {c["name"]: c for c in load("launch.json")["configurations"]}
    launch = configs[f"Pipeline: debug task ({'subprocess' if mode == 'subproc' else 'docker'})"]
    task = tasks[launch["preLaunchTask"]]
    assert task["isBackground"] is True
    assert task["command"].startswith(f"make debug-{mode} TASK=${{input:pipelineTask}}")
    assert re.search(task["problemMatcher"]["background"]["endsPattern"], f"task 'x' {WAITING}: debugpy on port 1")
    # The matcher is there for its begin/end patterns only: no log line may become a Problems
    # entry (VS Code would read group 1 as a file name and group 2 as a line number).
    pattern = re.compile(task["problemMatcher"]["pattern"]["regexp"])
    failure = "    [pipe-fiction] task 'count-lines': no debugger attached on port 5678 within 3 s"
    for line in (failure, f"[pipe-fiction] task 'x' {WAITING}: debugpy on port 1", "src/a.py:3: error"):
        assert not pattern.search(line)


def test_vscode_names_no_task_of_the_pipeline_and_asks_for_one():
    (picker,) = load("tasks.json")["inputs"]
    assert picker["type"] == "promptString" and "default" not in picker
    text = "".join((VSCODE / name).read_text() for name in ("tasks.json", "launch.json", "settings.json"))
    assert not [task for task in task_names(load_pipeline()) if task in text]


def test_make_targets_used_by_vscode_exist():
    commands = [t["command"] for t in load("tasks.json")["tasks"]]
    targets = {c.split()[1] for c in commands}
    out = subprocess.run(["make", "-n", *targets, "TASK=some-task"], cwd=ROOT, capture_output=True, text=True)
    assert "No rule to make target" not in out.stderr


def test_settings_point_at_the_pipelines_venv_and_both_test_folders():
    settings = load("settings.json")
    assert settings["python.defaultInterpreterPath"] == "${workspaceFolder}/pipelines/.venv/bin/python"
    assert {"tests", "../pipe-fiction-codebase/tests"} <= set(settings["python.testing.pytestArgs"])
