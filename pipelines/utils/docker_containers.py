"""Running one task container, and the checks that turn Docker failures into one clear line."""

from __future__ import annotations

import re
from typing import Any

from utils.errors import PipeFictionError
from utils.ports import PortInUseError, ensure_free


class DockerError(PipeFictionError):
    """The Docker engine or an image is not what a run needs (a busy port is a PortInUseError)."""


def run_container(client: Any, image: str, command: list[str], volumes: dict[str, Any], **run_args: Any) -> int:
    """Runs a task container to the end, streams its log and returns its exit code.

    Replaces ``kfp.local.docker_task_handler.run_docker_container``: the container is removed
    only after its log and exit status are read (``auto_remove=False`` or ``remove=False`` keeps
    it), and image names with a registry port resolve.

    Args:
        client: A ``docker.DockerClient``.
        image: The image; pulled if it is not on this machine.
        command: The task's command.
        volumes: kfp's own mounts (pipeline root, workspace) in docker-py form.
        **run_args: Further ``containers.run`` arguments.

    Returns:
        The container's exit code.

    Raises:
        DockerError: If the image cannot be found or pulled.
        PortInUseError: If a host port is taken.
    """
    import docker

    removal = (run_args.pop("auto_remove", True), run_args.pop("remove", True))
    keep = False in removal
    for key in ("detach", "stdout", "stderr", "stream"):
        run_args.pop(key, None)
    image = ensure_image(client, image)
    container = client.containers.create(image=image, command=command, volumes=volumes, **run_args)
    try:
        try:
            container.start()
        except docker.errors.APIError as error:
            raise _start_error(error, run_args.get("ports")) from None
        for chunk in container.logs(stream=True, follow=True):
            print(chunk.decode(errors="replace"), end="")
        return int(container.wait()["StatusCode"])
    finally:
        if not keep:
            container.remove(force=True)


def ensure_image(client: Any, image: str) -> str:
    """Returns the image's full name, pulling it if it is not on this machine.

    Raises:
        DockerError: If it is neither here nor pullable.
    """
    import docker
    from docker.utils import parse_repository_tag

    repository, tag = parse_repository_tag(image)
    if tag is None and "@" not in image:
        image = f"{repository}:latest"
    try:
        client.images.get(image)
        return image
    except docker.errors.ImageNotFound:
        pass
    try:
        print(f"Pulling image {image!r}")
        client.images.pull(image)
    except docker.errors.APIError as error:
        raise DockerError(
            f"image '{image}' is not on this machine and cannot be pulled ({_reason(error)}): "
            "build it with 'make build-image'"
        ) from None
    return image


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
            f"no Docker engine answers ({_reason(error)}): start Docker "
            "(Docker Desktop, or 'sudo systemctl start docker') and try again"
        ) from None
    return client


def check_image_present(client: Any, image: str) -> None:
    """Raises DockerError, saying how to build it, if the image is not on this machine."""
    import docker

    try:
        client.images.get(image)
    except docker.errors.ImageNotFound:
        raise DockerError(f"image '{image}' not found: build it with 'make build-image'") from None


def check_ports_free(ports: dict[Any, Any] | None) -> None:
    """Raises PortInUseError naming the first host port of docker-py ``ports`` that is taken."""
    for host_port in (ports or {}).values():
        port = host_port[-1] if isinstance(host_port, tuple) else host_port
        if isinstance(port, int):
            ensure_free(port)


def _start_error(error: Any, ports: dict[Any, Any] | None) -> PipeFictionError:
    text = _reason(error)
    match = re.search(r":(\d+)(?: failed|: bind)", text)
    if match or "port is already allocated" in text:
        return PortInUseError(match.group(1) if match else ", ".join(str(p) for p in (ports or {}).values()))
    return DockerError(f"the task container did not start: {text}")


def _reason(error: Any) -> str:
    text = str(getattr(error, "explanation", None) or error)
    return " ".join(text.split())[:300]
