"""One kfp.local DockerRunner API for ports, environment and volumes on every kfp from 2.7 on.

:func:`docker_runner` builds the runner and applies the fixes the installed kfp needs
(:mod:`utils.kfp_seams.docker`): on every version ``volumes=`` becomes ``mounts`` (kfp 2.14+
rejects it, kubeflow/pipelines#11562), ports are published on 127.0.0.1 unless a binding names an
address, and since kfp 2.17 merges a task's ``set_env_variable`` with the runner's ``environment``
itself (the runner wins), there is nothing to do for environments.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from kfp import local

from utils.common.errors import DockerError
from utils.kfp_seams.docker import apply_patches, environment_dict, runner_with


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
        args["environment"] = environment_dict(environment)
    mounts = list(args.pop("mounts", None) or []) + to_mounts(volumes or {})
    if mounts:
        args["mounts"] = mounts
    return runner_with(args)


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
