"""A container component: a program rather than a Python function, run from the image.

Use one when a step is another language, a binary, a CLI you already have. Here a shell
command counts the data lines of an upstream task's CSV and writes the count to a
``dsl.OutputPath``. kfp.local runs container components only with the DockerRunner, and
registers only the *parameter* outputs they write to ``dsl.OutputPath``: it collects artifact
outputs from the executor-output file that lightweight components write and a plain container
does not (kfp 2.7 to 2.17). In a cluster, ``Output[Dataset]`` works as well.
Run: ``make run-docker PIPELINE=examples.container_component``.
"""

from kfp import dsl
from kfp.dsl import Dataset, Input

from examples.steps import IMAGE, make_rows


@dsl.container_component
def count_lines(rows: Input[Dataset], count: dsl.OutputPath(str)):
    """``sh``: the number of data lines of a CSV (its header left out)."""
    return dsl.ContainerSpec(
        image=IMAGE,
        command=["sh", "-c", 'mkdir -p "$(dirname "$1")" && tail -n +2 "$0" | wc -l | tr -d " \\n" > "$1"'],
        args=[rows.path, count],
    )


@dsl.pipeline(name="example-container-component", description="A step run as a shell command in a container.")
def container_pipeline(num_rows: int = 50, seed: int = 42) -> str:
    """Makes rows with a lightweight component, counts them with a container component."""
    rows = make_rows(count=num_rows, seed=seed)
    return count_lines(rows=rows.outputs["rows"]).set_display_name("Count lines (sh)").outputs["count"]
