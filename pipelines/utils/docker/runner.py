"""One kfp.local DockerRunner API for ports, environment and volumes on every kfp from 2.7 on.

The fixes below wrap kfp's own code and change only what each bug needs; each is gated on the
kfp versions that have the bug (``FIXES``) and has a canary test that fails once an installed
kfp no longer has it, so that the fix can then be retired:

- ``runner_args`` (2.7-2.13): ``DockerRunner`` takes no ``docker run`` arguments. kfp's
  ``DockerTaskHandler.run`` still runs; the runner's arguments reach ``containers.run``.
- ``image_name`` (2.7-2.13): a pull splits the image name on ':' and crashes on
  ``registry:5000/name``; the image is pulled (with the name parsed properly) before kfp looks.
- ``leftover_containers`` (2.14-2.15): exited containers are never removed.
- ``exit_status`` (2.16 on, kubeflow/pipelines#13332, unfixed as of 2.17.3): ``auto_remove=True``
  is hard-coded, so the daemon may remove the container before kfp reads its exit status, and
  a failed task is reported SUCCESS; a user's ``auto_remove=`` crashes with "multiple values".

On every version ``volumes=`` becomes ``mounts`` (kfp 2.14+ rejects it, kubeflow/pipelines#11562),
ports are published on 127.0.0.1 unless a binding names an address, and since kfp 2.17 merges a
task's ``set_env_variable`` with the runner's ``environment`` itself (the runner wins), there is
nothing to do for environments. Patches are applied by :func:`docker_runner` (never at import), once.
"""

from __future__ import annotations

import contextvars
import os
import re
from pathlib import Path
from typing import Any

import kfp
from kfp import local
from kfp.local import docker_task_handler

from utils.common.errors import DockerError
from utils.docker.containers import TaskContainers, ensure_image

# Fix name -> (first kfp (major, minor) with the bug, first without it; None: still there).
FIXES: dict[str, tuple[tuple[int, int], tuple[int, int] | None]] = {
    "runner_args": ((2, 7), (2, 14)),
    "image_name": ((2, 7), (2, 14)),
    "leftover_containers": ((2, 14), (2, 16)),
    "exit_status": ((2, 16), None),
}
NATIVE_RUN_ARGS_SINCE = (2, 14)
# kfp's own functions, kept when a patch replaces the module attribute with a wrapper.
_ORIGINAL: dict[str, Any] = {}
# On kfp < 2.14: the runner's arguments of the task being run, for the container wrapper.
_runner_args: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("runner_args", default=None)


def kfp_version() -> tuple[int, int]:
    """The installed kfp's (major, minor)."""
    major, minor = re.match(r"(\d+)\.(\d+)", kfp.__version__).groups()
    return int(major), int(minor)


def needs(fix: str, version: tuple[int, int] | None = None) -> bool:
    """Whether ``fix`` applies to the installed (or the given) kfp version."""
    since, until = FIXES[fix]
    version = version or kfp_version()
    return since <= version and (until is None or version < until)


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
        **docker_run_args: Any other ``containers.run`` argument (``network_mode``, ``mounts``,
            ``user`` (default: the host user's uid:gid), ``auto_remove=False`` to keep exited
            containers, ...).

    Returns:
        A DockerRunner to pass to ``kfp.local.init``.

    Raises:
        DockerError: If a volume's host folder does not exist or a spec is malformed.
    """
    apply_patches()
    # Tasks write their outputs into a bind mount of the run folder: as the host user, they
    # stay the user's (the image's own user is for the cluster).
    args = {"user": f"{os.getuid()}:{os.getgid()}", **docker_run_args}
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
    """Applies the wrappers the installed kfp needs; a no-op when applied before."""
    if "run_docker_container" not in _ORIGINAL and any(
        needs(fix) for fix in ("image_name", "leftover_containers", "exit_status")
    ):
        _ORIGINAL["run_docker_container"] = docker_task_handler.run_docker_container
        docker_task_handler.run_docker_container = run_docker_container
    if "run" not in _ORIGINAL and needs("runner_args"):
        _ORIGINAL["run"] = docker_task_handler.DockerTaskHandler.run
        docker_task_handler.DockerTaskHandler.run = _run_with_runner_args


def run_docker_container(client: Any, image: str, command: list[str], volumes: dict[str, Any], **run_args: Any) -> int:
    """Runs kfp's own ``run_docker_container`` on a client that removes the container only at the end.

    Its ``containers.run`` drops ``auto_remove`` (so the exit status is still there when kfp
    reads it) and adds, on kfp < 2.14, the runner's arguments; the container is removed after
    kfp returns, also on an error or a signal (``auto_remove=False``/``remove=False`` keeps it).
    """
    run_args = {**(_runner_args.get() or {}), **run_args}
    keep = False in (run_args.pop("auto_remove", True), run_args.pop("remove", True))
    # Pulled here when missing, with the name parsed properly (kfp < 2.14 splits it on ':')
    # and a clear error when it cannot be pulled; kfp then finds it and pulls nothing.
    image = ensure_image(client, image)
    native = kfp_version() >= NATIVE_RUN_ARGS_SINCE
    with TaskContainers(client, extra_run_args={} if native else run_args, keep=keep) as containers:
        return _ORIGINAL["run_docker_container"](
            containers.client, image=image, command=command, volumes=volumes, **(run_args if native else {})
        )


def _run_with_runner_args(self: Any) -> Any:
    """Runs kfp < 2.14's ``DockerTaskHandler.run``, handing the runner's arguments to the container wrapper."""
    token = _runner_args.set(dict(getattr(self.runner, "container_run_args", {})))
    try:
        return _ORIGINAL["run"](self)
    finally:
        _runner_args.reset(token)


def _env_dict(environment: dict[str, str] | list[str]) -> dict[str, str]:
    if isinstance(environment, dict):
        return {str(k): str(v) for k, v in environment.items()}
    return dict(item.split("=", 1) if "=" in item else (item, "") for item in environment)
