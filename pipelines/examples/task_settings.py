"""Task settings that matter in a cluster: retries, CPU and memory, env vars, caching, display names.

All of them compile into the pipeline spec on every kfp from 2.7. kfp.local applies
``set_env_variable``, retries and caching from 2.17 and ignores resources (it warns).
Run: ``python -m examples.task_settings``.
"""

from kfp import dsl, local

from components import IMAGE, generate_data, process_data
from utils.debugging import debuggable_component
from utils.errors import run_cli
from utils.local_run import init_local

LOCAL_RUN_SINCE = (2, 17)


@debuggable_component(base_image=IMAGE, install_kfp_package=False)
def report_setting(name: str) -> str:
    """Returns an environment variable as the task sees it."""
    import os

    return os.environ.get(name, "<unset>")


@dsl.pipeline(name="pipe-fiction-task-settings", description="Retries, resources, env vars and caching per task.")
def task_settings_pipeline(num_rows: int = 300) -> str:
    """Generates with retries and resources, processes uncached, reports an env var set on its task."""
    raw = (
        generate_data(num_rows=num_rows, seed=1, noise=0.1)
        .set_display_name("Generate (retried, sized)")
        .set_retry(num_retries=2, backoff_duration="5s", backoff_factor=2.0, backoff_max_duration="60s")
        .set_cpu_request("250m")
        .set_cpu_limit("1")
        .set_memory_request("256Mi")
        .set_memory_limit("1Gi")
    )
    process_data(raw=raw.outputs["dataset"]).set_display_name("Process (never cached)").set_caching_options(False)
    setting = report_setting(name="PIPE_FICTION_EXAMPLE").set_env_variable("PIPE_FICTION_EXAMPLE", "set-on-task")
    return setting.set_display_name("Report env var").output


def main() -> int:
    """Runs the pipeline with the SubprocessRunner and prints what the task saw."""
    init_local(local.SubprocessRunner(use_venv=False))
    print(task_settings_pipeline().outputs["Output"])
    return 0


if __name__ == "__main__":
    run_cli(main)
