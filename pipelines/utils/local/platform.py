"""kfp-kubernetes settings in local runs: what has a local equivalent is applied, the rest is said once.

``kubernetes.use_secret_as_env`` and ``use_config_map_as_env`` give a task variables from a
Kubernetes secret or config map. Locally they come from a git-ignored file per secret or config
map, in ``.env`` form (``key=value``, the keys being the secret's keys):
``pipelines/local_kubernetes/secrets/<name>.env`` and ``.../config_maps/<name>.env``
(``PIPE_FICTION_LOCAL_KUBERNETES`` moves the folder). Without the file, the task runs without
those variables, and one line names the file that would provide them. Values are never shown.
Settings with no local meaning (node selectors, tolerations, volumes, ...) get one line each
saying they apply only in a cluster.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from loguru import logger

from utils.kfp_seams.local_run import RunHooks, TaskRun
from utils.pipeline.task_graph import TaskGraph
from utils.pipeline.types import Pipeline

KEY_VARIABLE = "PIPE_FICTION_KUBERNETES_VALUES"  # in cache keys only
# kfp-kubernetes fields with a local equivalent: the kind of object, its folder, its key field.
_AS_ENV = {
    "secretAsEnv": ("secret", "secrets", "secretKey"),
    "configMapAsEnv": ("config map", "config_maps", "configMapKey"),
}


@dataclass
class LocalPlatform:
    """The kfp-kubernetes settings of a pipeline's tasks, as a local run applies them.

    Attributes:
        environment: Per component, the variables its task gets from local secret and config map files.
        notices: One line for each setting that applies only in a cluster, or whose file is missing.
    """

    environment: dict[str, dict[str, str]] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)

    def for_component(self, component: str) -> dict[str, str]:
        """The variables a task of ``component`` gets (none for a task without such settings)."""
        return self.environment.get(component, {})


def _executor_settings(pipeline: Pipeline) -> dict[str, dict[str, Any]]:
    from google.protobuf.json_format import MessageToDict

    spec = MessageToDict(getattr(pipeline, "platform_spec", None) or _empty())
    return spec.get("platforms", {}).get("kubernetes", {}).get("deploymentSpec", {}).get("executors", {})


def _empty() -> Any:
    from kfp.pipeline_spec import pipeline_spec_pb2

    return pipeline_spec_pb2.PlatformSpec()


def _read(path: Path) -> dict[str, str] | str:
    """A local secret file's values, or why it cannot be used (never its content)."""
    if not path.is_file():
        return "missing"
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return "unreadable (not UTF-8 text)"
    return {k: v for k, v in dotenv_values(stream=io.StringIO(text)).items() if v is not None}


def local_platform(pipeline: Pipeline, folder: Path) -> LocalPlatform:
    """Reads the pipeline's kfp-kubernetes settings and the local files that stand in for secrets and config maps.

    Args:
        pipeline: The pipeline being run.
        folder: The folder of local secret and config map files (``settings.local_kubernetes_dir()``).
    """
    found = LocalPlatform()
    graph = TaskGraph(pipeline)
    components = pipeline.pipeline_spec.components
    by_label: dict[str, list[str]] = {}
    for node in graph.tasks:
        label = components[node.component].executor_label if node.component in components else ""
        by_label.setdefault(label, []).append(node.component)
    for label, settings in sorted(_executor_settings(pipeline).items()):
        nodes = [graph.of_component(c) for c in by_label.get(label, [])]
        names = ", ".join(sorted(graph.key(n) for n in nodes if n is not None)) or label
        for setting, value in settings.items():
            if setting in _AS_ENV:
                kind, subfolder, key_field = _AS_ENV[setting]
                for item in value:
                    name = item.get("secretName") or item.get("configMapName") or ""
                    path = folder / subfolder / f"{name}.env"
                    values = _read(path)
                    wanted = {pair.get(key_field, ""): pair.get("envVar", "") for pair in item.get("keyToEnv", [])}
                    if isinstance(values, str):
                        found.notices.append(
                            f"task {names}: {kind} '{name}' ({', '.join(sorted(wanted.values()))}) has no local "
                            f"file: {path} is {values}, so the task runs without those variables"
                        )
                        continue
                    for key, variable in wanted.items():
                        if key in values:
                            for component in by_label.get(label, []):
                                found.environment.setdefault(component, {})[variable] = values[key]
                        else:
                            found.notices.append(f"task {names}: {path} has no key '{key}' (for {variable})")
            else:
                found.notices.append(f"task {names}: kfp-kubernetes '{setting}' applies only in a cluster")
    return found


class PlatformHooks(RunHooks):
    """Gives each task of a local run the variables its kfp-kubernetes settings ask for."""

    def __init__(self, platform: LocalPlatform) -> None:
        """Serves ``platform``'s variables."""
        self._platform = platform

    def task_environment(self, task: TaskRun) -> dict[str, str]:  # noqa: D102
        return self._platform.for_component(task.component)

    def cache_key(  # noqa: D102
        self, task: TaskRun | None, image: str, env: dict[str, str], command: list[str]
    ) -> tuple[str, dict]:
        # The values change what the task computes: their hash (never the values) joins its key.
        values = self._platform.for_component(task.component) if task is not None else {}
        if values:
            digest = hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()
            env = {**env, KEY_VARIABLE: digest}
        return image, env


def say_notices(platform: LocalPlatform) -> None:
    """Logs each notice once."""
    for line in dict.fromkeys(platform.notices):
        logger.info(line)
