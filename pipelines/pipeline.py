"""The demo pipeline: generate -> process -> summarize.

No control flow, so that kfp.local runs it on every kfp from 2.7 on; the patterns
that need a newer kfp live in ``examples/``.
"""

from pathlib import Path
from typing import Any

from kfp import compiler, dsl
from kfp.dsl import Metrics

from components import generate_data, process_data, summarize_data

PIPELINE_NAME = "pipe-fiction-demo"


@dsl.pipeline(name=PIPELINE_NAME, description="Generate synthetic MLOps text, clean it, summarise it.")
def demo_pipeline(num_rows: int = 1000, seed: int = 42, noise: float = 0.1) -> Metrics:
    """Generates ``num_rows`` noisy text rows, cleans them and returns the summary metrics."""
    generated = generate_data(num_rows=num_rows, seed=seed, noise=noise).set_display_name("Generate data")
    processed = process_data(raw=generated.outputs["dataset"]).set_display_name("Process data")
    summary = summarize_data(processed=processed.outputs["processed"]).set_display_name("Summarize data")
    return summary.outputs["metrics"]


def compile_pipeline(path: Path, pipeline: Any = demo_pipeline) -> Path:
    """Compiles a pipeline (the demo by default) to a YAML file, creating its folder.

    Args:
        path: Where to write the YAML.
        pipeline: The ``@dsl.pipeline`` to compile.

    Returns:
        The path written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    compiler.Compiler().compile(pipeline_func=pipeline, package_path=str(path))
    return path
