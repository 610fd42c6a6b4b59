"""Every example compiles on every supported kfp and runs, through the run scripts, where kfp can.

The examples have components of their own (examples/steps.py), so these tests and the examples
keep working once the demo is replaced.
"""

import json

import pytest
import yaml
from kfp.dsl import Dataset

from examples import container_component, control_flow, task_settings
from examples.steps import keyword_share, make_rows
from utils.cluster.client import compile_pipeline
from utils.kfp_seams.versions import kfp_version
from utils.pipeline.discovery import load_pipeline
from utils.tests.helpers import assert_one_line_error, run_script

INSTALLED = ".".join(map(str, kfp_version()))
EXAMPLES = ["control_flow", "task_settings", "importer", "container_component"]
needs_local_control_flow = pytest.mark.skipif(
    kfp_version() < control_flow.LOCAL_RUN_SINCE,
    reason=f"kfp.local runs If/Else and ExitHandler correctly from kfp 2.17; installed {INSTALLED}",
)
needs_local_task_settings = pytest.mark.skipif(
    kfp_version() < task_settings.LOCAL_RUN_SINCE,
    reason=f"kfp.local applies set_env_variable, retries and caching from kfp 2.17; installed {INSTALLED}",
)


def compiled(pipeline, tmp_path):
    return yaml.safe_load(compile_pipeline(tmp_path / "example.yaml", pipeline).read_text())


def all_tasks(spec):
    tasks = dict(spec["root"]["dag"]["tasks"])
    for component in spec["components"].values():
        tasks.update(component.get("dag", {}).get("tasks", {}))
    return tasks


def run_example(name, *args, script="run_locally_in_subproc.py", outputs):
    return run_script(script, *args, PIPE_FICTION_PIPELINE=f"examples.{name}", PIPE_FICTION_OUTPUTS=str(outputs))


def share_of(count, seed, keyword, tmp_path):
    """The example's own steps called in this process: the ground truth."""
    rows = Dataset(name="rows", uri=str(tmp_path / f"rows-{seed}.csv"))
    make_rows.python_func(count=count, seed=seed, rows=rows)
    return keyword_share.python_func(rows=rows, keyword=keyword)


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_example_compiles_through_the_cluster_script(name, tmp_path):
    out = tmp_path / f"{name}.yaml"
    proc = run_script(
        "run_in_k8s_cluster.py", "--compile-only", "--output", str(out), PIPE_FICTION_PIPELINE=f"examples.{name}"
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert yaml.safe_load(out.read_text())["pipelineInfo"]["name"] == load_pipeline(f"examples.{name}").name


def test_control_flow_compiles_with_parallelism_conditions_collected_and_exit_handler(tmp_path):
    tasks = all_tasks(compiled(control_flow.control_flow_pipeline, tmp_path))
    loop = next(t for name, t in tasks.items() if name.startswith("for-loop"))
    assert json.loads(loop["parameterIterator"]["items"]["raw"]) == control_flow.SEEDS
    assert loop["iteratorPolicy"]["parallelismLimit"] == 2
    conditions = [t["triggerPolicy"]["condition"] for t in tasks.values() if "condition" in t.get("triggerPolicy", {})]
    assert len(conditions) == 3
    assert tasks["announce"]["triggerPolicy"]["strategy"] == "ALL_UPSTREAM_TASKS_COMPLETED"
    assert "mean-of" in tasks and tasks["mean-of"]["inputs"]["parameters"]["values"]["taskOutputParameter"]


@needs_local_control_flow
@pytest.mark.parametrize(("high", "low", "label"), [(0.6, 0.3, None), (1.0, 1.0, "off topic")])
def test_control_flow_runs_and_takes_the_right_branch(tmp_path, high, low, label):
    args = ["--num-rows", "150", "--high", str(high), "--low", str(low)]
    proc = run_example("control_flow", *args, outputs=tmp_path / "out")
    assert proc.returncode == 0, proc.stderr[-2000:]
    share = round(sum(share_of(150, seed, "pipeline", tmp_path) for seed in control_flow.SEEDS) / 3, 4)
    expected = label or ("mostly on topic" if share >= high else "partly on topic" if share >= low else "off topic")
    (run,) = (tmp_path / "out").glob("example-control-flow-*")
    (verdict,) = run.glob("verdict*/executor_output.json")
    assert json.loads(verdict.read_text())["parameterValues"]["Output"] == f"{expected} ({share:.2f})"
    assert (run / "announce").is_dir(), "the exit task ran"


def test_task_settings_compile_into_the_spec(tmp_path):
    spec = compiled(task_settings.task_settings_pipeline, tmp_path)
    tasks = spec["root"]["dag"]["tasks"]
    first = tasks["make-rows"]
    assert first["taskInfo"]["name"] == "Make rows (retried, sized)"
    assert first["retryPolicy"]["maxRetryCount"] == 2
    assert first["retryPolicy"]["backoffDuration"] == "5s"
    assert tasks["keyword-share"]["cachingOptions"].get("enableCache", False) is False
    executors = spec["deploymentSpec"]["executors"]
    resources = executors["exec-make-rows"]["container"]["resources"]
    assert resources.get("cpuLimit") == 1.0 or resources.get("resourceCpuLimit") == "1"
    assert resources.get("memoryLimit") == 1.073741824 or resources.get("resourceMemoryLimit") == "1Gi"
    env = executors["exec-report-setting"]["container"]["env"]
    assert {"name": "EXAMPLE_SETTING", "value": "set-on-task"} in env


@needs_local_task_settings
def test_task_settings_run_and_the_env_var_reaches_the_task(tmp_path):
    proc = run_example("task_settings", "--num-rows", "100", outputs=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert '  Output: "set-on-task"\n' in proc.stdout


def test_importer_brings_an_existing_file_in_as_a_dataset(tmp_path):
    rows = Dataset(name="rows", uri=str(tmp_path / "rows.csv"))
    make_rows.python_func(count=90, seed=5, rows=rows)
    proc = run_example("importer", "--uri", rows.path, "--keyword", "data", outputs=tmp_path / "out")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"  Output: {keyword_share.python_func(rows=rows, keyword='data')}\n" in proc.stdout
    missing = run_example("importer", "--uri", str(tmp_path / "nope.csv"), outputs=tmp_path / "out")
    assert_one_line_error(missing, "nope.csv: no such file")


def test_container_component_compiles_to_a_shell_command_in_the_image(tmp_path):
    spec = compiled(container_component.container_pipeline, tmp_path)
    container = spec["deploymentSpec"]["executors"]["exec-count-lines"]["container"]
    assert container["command"][:2] == ["sh", "-c"]
    assert container["image"] == container_component.IMAGE


@pytest.mark.usefixtures("task_image")
def test_container_component_runs_in_docker(tmp_path):
    proc = run_example("container_component", "--num-rows", "37", script="run_locally_in_docker.py", outputs=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:] + proc.stdout[-2000:]
    assert '  Output: "37"\n' in proc.stdout
