"""Control flow: ParallelFor with parallelism, Collected, If/Elif/Else and ExitHandler.

Compiles on every kfp from 2.7; kfp.local runs it from 2.17 (2.16 runs both If/Else branches,
and ExitHandler runs locally only from 2.17). Run: ``make run-subproc PIPELINE=examples.control_flow``.
"""

from kfp import dsl

from examples.steps import IMAGE, keyword_share, make_rows
from utils import debuggable_component

LOCAL_RUN_SINCE = (2, 17)
SEEDS = [1, 2, 3]


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


@dsl.pipeline(name="example-control-flow", description="Fan out over seeds, gather, branch on the result.")
def control_flow_pipeline(num_rows: int = 200, keyword: str = "pipeline", high: float = 0.6, low: float = 0.3):
    """Makes one dataset per seed in parallel, averages their keyword share and branches on it.

    Every task depends on work inside the ExitHandler, so they all sit inside it (a task outside
    may not depend on one inside); the verdict is the output of whichever branch ran.
    """
    done = announce(message="control-flow example finished").set_display_name("Announce")
    with dsl.ExitHandler(done, name="main"):
        with dsl.ParallelFor(items=SEEDS, parallelism=2) as seed:
            rows = make_rows(count=num_rows, seed=seed)
            share = keyword_share(rows=rows.outputs["rows"], keyword=keyword)
        mean = mean_of(values=dsl.Collected(share.output)).set_display_name("Mean keyword share")
        # Conditions compare task outputs with parameters (no arithmetic on either side).
        with dsl.If(mean.output >= high):
            verdict(label="mostly on topic", share=mean.output)
        with dsl.Elif(mean.output >= low):
            verdict(label="partly on topic", share=mean.output)
        with dsl.Else():
            verdict(label="off topic", share=mean.output)
