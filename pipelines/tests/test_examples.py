"""Every example compiles on every supported kfp and runs locally where the installed kfp can."""

import json

import pandas as pd
import pytest
import yaml
from kfp import local

from examples import container_component, control_flow, importer, task_settings
from pipe_fiction import DataGenerator
from tests.conftest import expected_summary, summary_of
from utils.cluster import compile_pipeline
from utils.docker_runner import docker_runner, kfp_version
from utils.local_run import init_local

INSTALLED = ".".join(map(str, kfp_version()))
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


def test_control_flow_compiles_with_parallelism_conditions_collected_and_exit_handler(tmp_path):
    spec = compiled(control_flow.control_flow_pipeline, tmp_path)
    tasks = all_tasks(spec)
    loop = next(t for name, t in tasks.items() if name.startswith("for-loop"))
    assert json.loads(loop["parameterIterator"]["items"]["raw"]) == control_flow.SEEDS
    assert loop["iteratorPolicy"]["parallelismLimit"] == 2
    conditions = [t["triggerPolicy"]["condition"] for t in tasks.values() if "condition" in t.get("triggerPolicy", {})]
    assert len(conditions) == 3
    assert tasks["announce"]["triggerPolicy"]["strategy"] == "ALL_UPSTREAM_TASKS_COMPLETED"
    assert "mean-of" in tasks and tasks["mean-of"]["inputs"]["parameters"]["values"]["taskOutputParameter"]


def mean_keyword_share(num_rows):
    shares = [expected_summary(num_rows, seed, 0.1)["keyword_ratio"] for seed in control_flow.SEEDS]
    return round(sum(shares) / len(shares), 4)


@needs_local_control_flow
@pytest.mark.parametrize(("high", "low", "label"), [(0.6, 0.3, None), (1.0, 1.0, "off topic")])
def test_control_flow_runs_locally_and_takes_the_right_branch(tmp_path, high, low, label):
    init_local(local.SubprocessRunner(use_venv=False), tmp_path)
    control_flow.control_flow_pipeline(num_rows=150, high=high, low=low)
    share = mean_keyword_share(150)
    expected = label or ("mostly on topic" if share >= high else "partly on topic" if share >= low else "off topic")
    assert control_flow.latest_verdict(tmp_path) == f"{expected} ({share:.2f})"
    (run,) = tmp_path.glob("pipe-fiction-control-flow-*")
    assert (run / "announce").is_dir(), "the exit task ran"


def test_task_settings_compile_into_the_spec(tmp_path):
    spec = compiled(task_settings.task_settings_pipeline, tmp_path)
    tasks = spec["root"]["dag"]["tasks"]
    generate = tasks["generate-data"]
    assert generate["taskInfo"]["name"] == "Generate (retried, sized)"
    assert generate["retryPolicy"]["maxRetryCount"] == 2
    assert generate["retryPolicy"]["backoffDuration"] == "5s"
    assert tasks["process-data"]["cachingOptions"].get("enableCache", False) is False
    executors = spec["deploymentSpec"]["executors"]
    resources = executors["exec-generate-data"]["container"]["resources"]
    assert resources.get("cpuLimit") == 1.0 or resources.get("resourceCpuLimit") == "1"
    assert resources.get("memoryLimit") == 1.073741824 or resources.get("resourceMemoryLimit") == "1Gi"
    env = executors["exec-report-setting"]["container"]["env"]
    assert {"name": "PIPE_FICTION_EXAMPLE", "value": "set-on-task"} in env


@needs_local_task_settings
def test_task_settings_run_locally_and_the_env_var_reaches_the_task(tmp_path):
    init_local(local.SubprocessRunner(use_venv=False), tmp_path)
    assert task_settings.task_settings_pipeline(num_rows=100).outputs["Output"] == "set-on-task"


def test_importer_brings_an_existing_file_in_as_a_dataset(tmp_path):
    rows = tmp_path / "rows.csv"
    DataGenerator(size=90, seed=5, noise=0.2).generate().to_csv(rows, index=False)
    spec = compiled(importer.importer_pipeline, tmp_path)
    importer_spec = next(e["importer"] for e in spec["deploymentSpec"]["executors"].values() if "importer" in e)
    assert importer_spec["typeSchema"]["schemaTitle"] == "system.Dataset"
    init_local(local.SubprocessRunner(use_venv=False), tmp_path / "out")
    # kfp 2.7 adds a second key for the same artifact, so the output is named, not `.output`.
    metrics = importer.importer_pipeline(uri=str(rows)).outputs["Output"]
    expected = summary_of(pd.read_csv(rows))
    assert metrics.metadata == pytest.approx({k: float(v) for k, v in expected.items()})


def test_container_component_compiles_to_the_package_cli(tmp_path):
    spec = compiled(container_component.container_pipeline, tmp_path)
    container = spec["deploymentSpec"]["executors"]["exec-summarize-with-cli"]["container"]
    assert container["command"] == ["python", "-m", "pipe_fiction", "summarize"]
    assert container["image"] == container_component.IMAGE


@pytest.mark.usefixtures("task_image")
def test_container_component_runs_in_docker_and_summarises(tmp_path):
    init_local(docker_runner(network_mode="none"), tmp_path)
    summary = json.loads(container_component.container_pipeline(num_rows=120, seed=8).outputs["Output"])
    assert summary == pytest.approx(expected_summary(120, 8, 0.1))
