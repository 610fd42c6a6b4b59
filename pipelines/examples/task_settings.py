"""Task settings that matter in a cluster: retries, CPU and memory, env vars, caching, display names.

All of them compile into the pipeline spec on every kfp from 2.7. kfp.local applies
``set_env_variable``, retries and caching from 2.17 and ignores resources (it warns).
Run: ``make run-subproc PIPELINE=examples.task_settings``.
"""

from kfp import dsl

from examples.steps import IMAGE, keyword_share, make_rows
from utils import debuggable_component

LOCAL_RUN_SINCE = (2, 17)


@debuggable_component(base_image=IMAGE, install_kfp_package=False)
def report_setting(name: str) -> str:
    """Returns an environment variable as the task sees it."""
    import os

    return os.environ.get(name, "<unset>")


@dsl.pipeline(name="example-task-settings", description="Retries, resources, env vars and caching per task.")
def task_settings_pipeline(num_rows: int = 300) -> str:
    """Makes rows with retries and resources, scores them uncached, reports an env var set on its task."""
    rows = (
        make_rows(count=num_rows, seed=1)
        .set_display_name("Make rows (retried, sized)")
        .set_retry(num_retries=2, backoff_duration="5s", backoff_factor=2.0, backoff_max_duration="60s")
        .set_cpu_request("250m")
        .set_cpu_limit("1")
        .set_memory_request("256Mi")
        .set_memory_limit("1Gi")
    )
    scored = keyword_share(rows=rows.outputs["rows"], keyword="model")
    scored.set_display_name("Score (never cached)").set_caching_options(False)
    setting = report_setting(name="EXAMPLE_SETTING").set_env_variable("EXAMPLE_SETTING", "set-on-task")
    return setting.set_display_name("Report env var").output
