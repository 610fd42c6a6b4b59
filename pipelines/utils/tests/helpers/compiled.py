"""The executors' commands of a compiled pipeline, for tests that look at what was baked in."""

import yaml
from kfp import compiler


def executor_commands(pipeline_func, tmp_path):
    """Executor name -> its container command as one string."""
    path = tmp_path / "compiled.yaml"
    compiler.Compiler().compile(pipeline_func=pipeline_func, package_path=str(path))
    executors = yaml.safe_load(path.read_text())["deploymentSpec"]["executors"]
    return {name: " ".join(e["container"]["command"]) for name, e in executors.items()}
