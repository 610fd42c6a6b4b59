"""The pipeline compiles to YAML that loads back with the expected tasks, parameters and image."""

import os
import subprocess
import sys

import yaml

from pipeline import demo_pipeline
from utils.cluster.client import compile_pipeline
from utils.common.paths import PIPELINES_DIR
from utils.image.task_image import task_image


def load(path):
    return yaml.safe_load(path.read_text())


def test_compiled_pipeline_has_tasks_in_order_parameters_and_display_names(tmp_path):
    spec = load(compile_pipeline(tmp_path / "nested" / "demo.yaml", demo_pipeline))
    assert spec["pipelineInfo"]["name"] == demo_pipeline.name
    tasks = spec["root"]["dag"]["tasks"]
    assert set(tasks) == {"generate-data", "process-data", "summarize-data"}
    assert tasks["process-data"]["dependentTasks"] == ["generate-data"]
    assert tasks["summarize-data"]["dependentTasks"] == ["process-data"]
    assert {name: t["taskInfo"]["name"] for name, t in tasks.items()} == {
        "generate-data": "Generate data",
        "process-data": "Process data",
        "summarize-data": "Summarize data",
    }
    params = spec["root"]["inputDefinitions"]["parameters"]
    assert params["num_rows"]["defaultValue"] == 1000
    assert params["seed"]["defaultValue"] == 42
    assert params["noise"]["defaultValue"] == 0.1
    assert spec["root"]["outputDefinitions"]["artifacts"]["Output"]["artifactType"]["schemaTitle"] == "system.Metrics"


def test_every_component_uses_the_configured_image_without_installing_kfp(tmp_path):
    spec = load(compile_pipeline(tmp_path / "demo.yaml", demo_pipeline))
    executors = spec["deploymentSpec"]["executors"].values()
    assert {e["container"]["image"] for e in executors} == {task_image()}
    for executor in executors:
        command = " ".join(executor["container"]["command"])
        assert "pip install" not in command
        assert "from pipe_fiction" in command


def test_image_comes_from_pipe_fiction_image(tmp_path):
    out = tmp_path / "demo.yaml"
    env = {**os.environ, "PIPE_FICTION_IMAGE": "registry.example:5000/team/pipe-fiction:dev"}
    subprocess.run(
        [sys.executable, "run_in_k8s_cluster.py", "--compile-only", "--output", str(out)],
        cwd=PIPELINES_DIR,
        env=env,
        check=True,
        timeout=120,
    )
    images = {e["container"]["image"] for e in load(out)["deploymentSpec"]["executors"].values()}
    assert images == {"registry.example:5000/team/pipe-fiction:dev"}
