"""One kfp.local DockerRunner API for ports, environment and volumes on every kfp from 2.7 on.

What kfp.local's Docker task handler does wrong, by version (each fix below is gated on it):

- 2.7-2.13: ``DockerRunner`` takes no ``docker run`` arguments; a pull splits the image name
  on ':' and crashes on ``registry:5000/name:tag``.
- 2.14+: arguments are native, but ``volumes=`` is rejected (kubeflow/pipelines#11562), so
  user volumes become ``mounts``. 2.14-2.15 never remove exited containers.
- 2.16+: ``auto_remove=True`` is hard-coded and the exit status is read after the container
  may be gone, which reports a failed task as SUCCESS (kubeflow/pipelines#13332, unfixed as of
  2.17.3); an ``auto_remove=`` of the user's crashes with "multiple values for keyword argument".
- 2.17+: a task's ``set_env_variable`` replaces the runner's ``environment`` wholesale.

Patches are applied by :func:`docker_runner` (never at import), once, and only on those versions.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import kfp
from kfp import local
from kfp.local import docker_task_handler, status

from utils.docker_containers import DockerError, run_container


def kfp_version() -> tuple[int, int]:
    """The installed kfp's (major, minor)."""
    major, minor = re.match(r"(\d+)\.(\d+)", kfp.__version__).groups()
    return int(major), int(minor)


NATIVE_RUN_ARGS_SINCE = (2, 14)
TASK_ENV_SINCE = (2, 17)
# Every released kfp has a container-level bug that run_container fixes: 2.7-2.13 the image
# name, 2.14-2.15 leftover containers, 2.16+ the exit status. Set an upper bound here once a
# release fixes kubeflow/pipelines#13332.
CONTAINER_FIX_UNTIL: tuple[int, int] | None = None

_applied: set[str] = set()


def docker_runner(
    *,
    ports: dict[Any, Any] | None = None,
    environment: dict[str, str] | list[str] | None = None,
    volumes: dict[str, Any] | list[str] | None = None,
    **docker_run_args: Any,
) -> local.DockerRunner:
    """Builds a ``kfp.local.DockerRunner`` that behaves the same on every kfp from 2.7 on.

    Args:
        ports: Container port -> host port, as in docker-py (``{"5678/tcp": 5678}``); published
            on 127.0.0.1 unless a binding names its address (``("0.0.0.0", 5678)``).
        environment: Variables set in every task container; they win over a task's
            ``set_env_variable`` where both set one.
        volumes: Host folders to mount, as docker-py takes them: ``{"/host": {"bind":
            "/data", "mode": "ro"}}`` or ``["/host:/data:ro"]``. Sent as bind mounts.
        **docker_run_args: Any other ``containers.run`` argument (``network_mode``,
            ``user``, ``mounts``, ``auto_remove=False`` to keep exited containers, ...).

    Returns:
        A DockerRunner to pass to ``kfp.local.init``.

    Raises:
        DockerError: If a volume's host folder does not exist or a spec is malformed.
    """
    apply_patches()
    args = dict(docker_run_args)
    if ports:
        args["ports"] = loopback_ports(ports)
    if environment:
        args["environment"] = _env_dict(environment)
    mounts = list(args.pop("mounts", None) or []) + to_mounts(volumes or {})
    if mounts:
        args["mounts"] = mounts
    if kfp_version() >= NATIVE_RUN_ARGS_SINCE:
        return local.DockerRunner(**args)
    runner = local.DockerRunner()
    runner.container_run_args = args
    return runner


def loopback_ports(ports: dict[Any, Any]) -> dict[Any, Any]:
    """Publishes every port on 127.0.0.1 unless its binding names a host address itself.

    docker-py takes a host port (``5678``), ``None`` (any port), ``(address, port)``,
    ``(address,)`` or a list of those; bare ports would be published on every interface.
    """

    def bind(value: Any) -> Any:
        if isinstance(value, list):
            return [bind(item) for item in value]
        if isinstance(value, tuple):
            return value
        return ("127.0.0.1",) if value is None else ("127.0.0.1", value)

    return {container: bind(host) for container, host in ports.items()}


def to_mounts(volumes: dict[str, Any] | list[str]) -> list[Any]:
    """Translates docker-py ``volumes`` specs into ``docker.types.Mount`` bind mounts."""
    from docker.types import Mount

    specs: list[tuple[str, str, str]] = []
    if isinstance(volumes, dict):
        for host, spec in volumes.items():
            if isinstance(spec, str):
                specs.append((host, spec, "rw"))
            else:
                specs.append((host, spec["bind"], spec.get("mode", "rw")))
    else:
        for item in volumes:
            parts = item.split(":")
            if len(parts) not in (2, 3):
                raise DockerError(f"volume '{item}' is not HOST:CONTAINER[:MODE]")
            specs.append((parts[0], parts[1], parts[2] if len(parts) == 3 else "rw"))
    mounts = []
    for host, target, mode in specs:
        source = Path(host).expanduser().resolve()
        if not source.exists():
            raise DockerError(f"volume source '{source}' does not exist")
        mounts.append(Mount(target=target, source=str(source), type="bind", read_only="ro" in mode.split(",")))
    return mounts


def apply_patches() -> None:
    """Applies the fixes the installed kfp needs; a no-op when applied before."""
    version = kfp_version()
    if "container" not in _applied and (CONTAINER_FIX_UNTIL is None or version < CONTAINER_FIX_UNTIL):
        docker_task_handler.run_docker_container = run_container
        _applied.add("container")
    if "run_args" not in _applied and version < NATIVE_RUN_ARGS_SINCE:
        docker_task_handler.DockerTaskHandler.run = _run_passing_runner_args
        _applied.add("run_args")
    if "env" not in _applied and version >= TASK_ENV_SINCE:
        original = docker_task_handler.DockerTaskHandler.run

        def run_runner_env_wins(self: Any) -> status.Status:
            runner_env = self.runner.container_run_args.get("environment")
            if self.env_vars and runner_env:
                self.env_vars = {**self.env_vars, **_env_dict(runner_env)}
            return original(self)

        docker_task_handler.DockerTaskHandler.run = run_runner_env_wins
        _applied.add("env")


def _run_passing_runner_args(self: Any) -> status.Status:
    """Kfp < 2.14's ``DockerTaskHandler.run``, passing the runner's ``docker run`` arguments on."""
    import docker

    client = docker.from_env()
    try:
        code = docker_task_handler.run_docker_container(
            client=client,
            image=self.image,
            command=self.full_command,
            volumes=self.get_volumes_to_mount(),
            **getattr(self.runner, "container_run_args", {}),
        )
    finally:
        client.close()
    return status.Status.SUCCESS if code == 0 else status.Status.FAILURE


def _env_dict(environment: dict[str, str] | list[str]) -> dict[str, str]:
    if isinstance(environment, dict):
        return {str(k): str(v) for k, v in environment.items()}
    return dict(item.split("=", 1) if "=" in item else (item, "") for item in environment)
