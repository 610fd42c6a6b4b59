"""kfp-kubernetes settings: a secret and a config map as variables, and a node selector.

In a cluster the task gets ``EXAMPLE_TOKEN`` from the secret ``example-credentials`` and
``EXAMPLE_REGION`` from the config map ``example-settings``. Locally they come from the git-ignored
files ``pipelines/local_kubernetes/secrets/example-credentials.env`` (``token=...``) and
``.../config_maps/example-settings.env`` (``region=...``); without them the task runs without the
variables, and the run says which file would provide them. The node selector applies only in a
cluster (the run says so). Run: ``make run-subproc PIPELINE=examples.kubernetes_settings``.
"""

from kfp import dsl, kubernetes

from examples.steps import IMAGE
from utils import debuggable_component


@debuggable_component(base_image=IMAGE, install_kfp_package=False)
def check_credentials() -> str:
    """Says whether the token and region arrived (never their values) and how long the token is."""
    import os

    token, region = os.environ.get("EXAMPLE_TOKEN"), os.environ.get("EXAMPLE_REGION", "<unset>")
    return f"token {'set, ' + str(len(token)) + ' characters' if token else 'unset'}; region {region}"


@dsl.pipeline(name="example-kubernetes-settings", description="A secret and a config map as variables.")
def kubernetes_settings_pipeline() -> str:
    """One task with kfp-kubernetes settings."""
    task = check_credentials()
    kubernetes.use_secret_as_env(task, secret_name="example-credentials", secret_key_to_env={"token": "EXAMPLE_TOKEN"})
    kubernetes.use_config_map_as_env(
        task, config_map_name="example-settings", config_map_key_to_env={"region": "EXAMPLE_REGION"}
    )
    kubernetes.add_node_selector(task, label_key="kubernetes.io/arch", label_value="amd64")
    return task.output
