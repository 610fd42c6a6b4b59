"""The Docker engine and the task image, checked before a run: each problem in one line."""

from __future__ import annotations

from typing import Any

from utils.common.errors import DockerError
from utils.common.ports import ensure_free
from utils.kfp_seams.docker import reason


def docker_client() -> Any:
    """Connects to the Docker engine.

    Raises:
        DockerError: If no engine answers, saying how to start one.
    """
    import docker

    try:
        client = docker.from_env()
        client.ping()
    except docker.errors.DockerException as error:
        raise DockerError(
            f"no Docker engine answers ({reason(error)}): start Docker "
            "(Docker Desktop, or 'sudo systemctl start docker') and try again"
        ) from None
    return client


def check_image_present(client: Any, image: str) -> str:
    """The image's content id; raises DockerError, saying how to build it, if it is not on this machine."""
    import docker

    try:
        return client.images.get(image).id
    except docker.errors.ImageNotFound:
        raise DockerError(f"image '{image}' not found: build it with 'make build-image'") from None


def check_ports_free(ports: dict[Any, Any] | None) -> None:
    """Raises PortInUseError naming the first host port of docker-py ``ports`` that is taken."""
    for host_port in (ports or {}).values():
        port = host_port[-1] if isinstance(host_port, tuple) else host_port
        if isinstance(port, int):
            ensure_free(port)
