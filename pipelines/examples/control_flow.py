"""Control flow: ParallelFor with parallelism, Collected, If/Elif/Else and ExitHandler.

Compiles on every kfp from 2.7; kfp.local runs it from 2.17 (2.16 runs both If/Else branches,
and ExitHandler runs locally only from 2.17). Run: ``python -m examples.control_flow``.
"""

import json
from pathlib import Path

from kfp import dsl, local
from kfp.dsl import Dataset, Input

from components import IMAGE, generate_data, process_data
from utils import settings
from utils.debugging import debuggable_component
from utils.errors import PipeFictionError, run_cli
from utils.local_run import init_local

LOCAL_RUN_SINCE = (2, 17)
SEEDS = [1, 2, 3]


@debuggable_component(base_image=IMAGE, install_kfp_package=False)
def keyword_share(processed: Input[Dataset]) -> float:
    """The share of processed rows that mention any keyword."""
    import pandas as pd

    from pipe_fiction.data_processor import DataProcessor

    return float(DataProcessor().summarize(pd.read_csv(processed.path))["keyword_ratio"])


@debuggable_component(base_image=IMAGE, install_kfp_package=False)
def mean_of(values: list) -> float:
    """The mean of the values collected from the loop's iterations."""
    return round(sum(values) / len(values), 4)


@debuggable_component(base_image=IMAGE, install_kfp_package=False)
def verdict(label: str, share: float) -> str:
    """Names the branch that ran, with the share that chose it."""
    return f"{label} ({share:.2f})"


@debuggable_component(base_image=IMAGE, install_kfp_package=False)
def announce(message: str):
    """Runs last whatever happened: the ExitHandler's exit task."""
    print(message)


@dsl.pipeline(name="pipe-fiction-control-flow", description="Fan out over seeds, gather, branch on the result.")
def control_flow_pipeline(num_rows: int = 200, high: float = 0.6, low: float = 0.3):
    """Processes one dataset per seed in parallel, averages their keyword share and branches on it.

    Every task depends on work inside the ExitHandler, so they all sit inside it (a task outside
    may not depend on one inside); the verdict is the output of whichever branch ran.
    """
    done = announce(message="control-flow example finished").set_display_name("Announce")
    with dsl.ExitHandler(done, name="main"):
        with dsl.ParallelFor(items=SEEDS, parallelism=2) as seed:
            raw = generate_data(num_rows=num_rows, seed=seed, noise=0.1)
            processed = process_data(raw=raw.outputs["dataset"])
            share = keyword_share(processed=processed.outputs["processed"])
        mean = mean_of(values=dsl.Collected(share.output)).set_display_name("Mean keyword share")
        # Conditions compare task outputs with parameters (no arithmetic on either side).
        with dsl.If(mean.output >= high):
            verdict(label="mostly on topic", share=mean.output)
        with dsl.Elif(mean.output >= low):
            verdict(label="partly on topic", share=mean.output)
        with dsl.Else():
            verdict(label="off topic", share=mean.output)


def latest_verdict(pipeline_root: Path) -> str:
    """The verdict of the newest run under a local pipeline root: the output of the branch that ran."""
    runs = sorted(pipeline_root.glob("pipe-fiction-control-flow-*"))
    outputs = list(runs[-1].glob("verdict*/executor_output.json")) if runs else []
    if len(outputs) != 1:
        raise PipeFictionError(f"expected one verdict in {runs[-1] if runs else pipeline_root}, found {len(outputs)}")
    return json.loads(outputs[0].read_text())["parameterValues"]["Output"]


def main() -> int:
    """Runs the pipeline with the SubprocessRunner and prints the branch taken."""
    root = settings.local_outputs_dir()
    init_local(local.SubprocessRunner(use_venv=False), root)
    control_flow_pipeline()
    print(f"verdict: {latest_verdict(root)}")
    return 0


if __name__ == "__main__":
    run_cli(main)
