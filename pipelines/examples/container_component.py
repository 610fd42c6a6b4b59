"""A container component: the package's CLI (``python -m pipe_fiction``) run from the image.

Use one when a step is a program rather than a Python function: another language, a binary,
a CLI you already have. Here the summary step runs ``python -m pipe_fiction summarize`` on the
dataset of an upstream lightweight task and writes its JSON to a ``dsl.OutputPath``.

kfp.local runs container components only with the DockerRunner, and registers only the
*parameter* outputs they write to ``dsl.OutputPath``: it collects artifact outputs from the
executor-output file that lightweight components write and a plain container does not (kfp
2.7 to 2.17). In a cluster, ``Output[Dataset]`` works as well.
Run: ``python -m examples.container_component`` (needs the image: ``make build-image``).
"""

from kfp import dsl
from kfp.dsl import Dataset, Input

from components import IMAGE, generate_data, process_data
from utils.docker_runner import docker_runner
from utils.errors import run_cli
from utils.local_run import init_local


@dsl.container_component
def summarize_with_cli(processed: Input[Dataset], summary: dsl.OutputPath(str)):
    """``python -m pipe_fiction summarize``: processed CSV in, summary JSON out."""
    return dsl.ContainerSpec(
        image=IMAGE,
        command=["python", "-m", "pipe_fiction", "summarize"],
        args=["--input", processed.path, "--output", summary],
    )


@dsl.pipeline(name="pipe-fiction-container-component", description="The summary step through the package CLI.")
def container_pipeline(num_rows: int = 500, seed: int = 42) -> str:
    """Generates and processes with lightweight components, summarises with the CLI in a container."""
    raw = generate_data(num_rows=num_rows, seed=seed, noise=0.1)
    processed = process_data(raw=raw.outputs["dataset"])
    summary = summarize_with_cli(processed=processed.outputs["processed"]).set_display_name("Summarize (CLI)")
    return summary.outputs["summary"]


def main() -> int:
    """Runs the pipeline with the DockerRunner (no network) and prints the summary JSON."""
    init_local(docker_runner(network_mode="none"))
    print(container_pipeline().outputs["Output"])
    return 0


if __name__ == "__main__":
    run_cli(main)
