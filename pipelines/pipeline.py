"""The demo pipeline: generate -> process -> summarize. Replace it with yours.

The run scripts run the one ``@dsl.pipeline`` in this file, whatever its name; its inputs
become their options (``--num-rows``, ``--seed``, ``--noise``). No control flow, so that
kfp.local runs it on every kfp from 2.7 on; the patterns that need a newer kfp live in
``examples/``.
"""

from typing import Any

from kfp import dsl
from kfp.dsl import Metrics

from components import generate_data, process_data, summarize_data


@dsl.pipeline(name="pipe-fiction-demo", description="Generate synthetic MLOps text, clean it, summarise it.")
def demo_pipeline(num_rows: int = 1000, seed: int = 42, noise: float = 0.1) -> Metrics:
    """Generates ``num_rows`` noisy text rows, cleans them and returns the summary metrics."""
    generated = generate_data(num_rows=num_rows, seed=seed, noise=noise).set_display_name("Generate data")
    processed = process_data(raw=generated.outputs["dataset"]).set_display_name("Process data")
    summary = summarize_data(processed=processed.outputs["processed"]).set_display_name("Summarize data")
    return summary.outputs["metrics"]


# What local runs, the VS Code debug configurations, `make bench` and the e2e workflow
# (`--local-arguments`) use where you give none. A required input given here is no longer
# required on the command line (a data file's path on this machine, say).
LOCAL_ARGUMENTS = {"num_rows": 500}

# `make bench` runs these for its inner-loop figure: a first step that takes seconds.
BENCH_ARGUMENTS = {"num_rows": 1_000_000}


def validate_arguments(arguments: dict[str, Any]) -> None:
    """Refuses, before any task runs, values the generate task would reject (optional hook).

    Raises:
        ValueError: Saying which value and why.
    """
    from pipe_fiction.data_generator import DataGenerator

    DataGenerator(size=arguments["num_rows"], seed=arguments["seed"], noise=arguments["noise"])
