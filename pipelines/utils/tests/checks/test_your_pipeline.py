"""Checks every pipeline gets for free: it loads, compiles, derives its options and task names, and runs.

They name nothing of the pipeline: they read it, so they hold for yours as they held for the demo.
The last one runs it end to end with its ``LOCAL_ARGUMENTS`` (skipped, saying so, when a required
input has no value there): in subprocesses, or in containers when it has container components.
"""

import argparse
import json

import pytest
import yaml

from utils.cluster.client import compile_pipeline
from utils.common.settings import pipeline_spec
from utils.pipeline.arguments import add_pipeline_arguments, checked_arguments, local_arguments
from utils.pipeline.discovery import load_pipeline
from utils.pipeline.task_graph import TaskGraph
from utils.testing.scripts import run_script, task_outcomes


@pytest.fixture(scope="module")
def pipeline():
    return load_pipeline(pipeline_spec())


def inputs(pipeline):
    return pipeline.component_spec.inputs or {}


def compiled(pipeline, folder):
    """The pipeline spec (the first YAML document; kfp-kubernetes settings follow as a second)."""
    return next(yaml.safe_load_all(compile_pipeline(folder / "pipeline.yaml", pipeline).read_text()))


def container_components(spec):
    """Executors that run a command of their own rather than a Python function: Docker only."""
    executors = spec["deploymentSpec"]["executors"]
    return sorted(
        n for n, e in executors.items() if "--function_to_execute" not in e.get("container", {}).get("args", [])
    )


def test_your_pipeline_compiles_to_a_spec_with_its_tasks_and_inputs(pipeline, tmp_path):
    spec = compiled(pipeline, tmp_path)
    assert spec["pipelineInfo"]["name"] == pipeline.name
    assert spec["root"]["dag"]["tasks"], "the pipeline has no task"
    assert set(spec["root"].get("inputDefinitions", {}).get("parameters", {})) == set(inputs(pipeline))


def test_each_input_is_an_option_and_the_local_arguments_are_accepted(pipeline):
    parser = argparse.ArgumentParser()
    add_pipeline_arguments(parser, pipeline, required=False)
    options = {option for action in parser._actions for option in action.option_strings}
    assert {"--" + name.replace("_", "-") for name in inputs(pipeline)} <= options
    arguments = checked_arguments(pipeline, parser.parse_args([]))  # validate_arguments sees them too
    for name, value in local_arguments(pipeline).items():
        assert json.dumps(arguments[name], sort_keys=True) == json.dumps(value, sort_keys=True)


def test_every_task_name_finds_exactly_its_own_task(pipeline):
    graph = TaskGraph(pipeline)
    names = graph.names()
    assert names and len(names) == len(set(names))
    for name in names:
        assert graph.key(graph.find(name)) == name


def test_your_pipeline_runs_locally_with_its_local_arguments(pipeline, tmp_path, request):
    given = local_arguments(pipeline)
    missing = sorted(n for n, s in inputs(pipeline).items() if s.default is None and not s.optional and n not in given)
    if missing:
        module = pipeline.pipeline_func.__module__
        pytest.skip(f"give {', '.join(missing)} a value in LOCAL_ARGUMENTS ({module}) to have this run")
    script = "run_locally_in_subproc.py"
    if container_components(compiled(pipeline, tmp_path)):
        request.getfixturevalue("task_image")  # skips, saying why, without an engine or the image
        script = "run_locally_in_docker.py"
    proc = run_script(script, timeout=3600, PIPE_FICTION_OUTPUTS=str(tmp_path / "outputs"))
    assert proc.returncode == 0, proc.stderr[-3000:] + proc.stdout[-2000:]
    outcomes = task_outcomes(proc.stdout)
    assert outcomes and set(outcomes.values()) == {"ran"}, proc.stdout[-2000:]
    assert "Pipeline outputs:" in proc.stdout
    (page,) = (tmp_path / "outputs").glob("*/index.html")
    assert (page.parent / "run.json").is_file()
