"""Task containers: started through kfp's own code, always removed, and Docker failures in one line."""

from __future__ import annotations

import contextlib
import datetime
import re
from typing import Any

from utils.common.errors import DockerError, PipeFictionError, PortInUseError
from utils.common.ports import ensure_free


class TaskContainers:
    """A docker client for kfp's container code whose ``containers.run`` keeps what it starts.

    Used as a context manager around kfp's ``run_docker_container``: ``client`` stands in for
    the real client; its ``containers.run`` drops ``auto_remove`` (the container must outlive
    the reading of its exit status), adds ``extra_run_args`` and records what it started (one
    that was created but failed to start is found and removed). On leaving the block, for any
    reason (a result, an error, Ctrl-C, SIGTERM), every recorded container is removed unless
    ``keep``; a start failure becomes one clear error (a busy port names the port).
    """

    def __init__(self, client: Any, extra_run_args: dict[str, Any] | None = None, keep: bool = False) -> None:
        self._real, self._extra, self._keep = client, dict(extra_run_args or {}), keep
        self.started: list[Any] = []
        self.client = _ClientView(client, self._run)

    def _run(self, **kwargs: Any) -> Any:
        import docker

        kwargs.pop("auto_remove", None)
        kwargs = {**kwargs, **self._extra}
        started_at = datetime.datetime.now(datetime.UTC)
        try:
            container = self._real.containers.run(**kwargs)
        except docker.errors.APIError as error:
            self._remove_created(kwargs.get("image"), started_at)
            raise _start_error(error, kwargs.get("ports")) from None
        self.started.append(container)
        return container

    def _remove_created(self, image: str | None, since: datetime.datetime) -> None:
        """Removes the container ``containers.run`` created but could not start (docker-py keeps it)."""
        with contextlib.suppress(Exception):
            for container in self._real.containers.list(all=True, filters={"status": "created", "ancestor": image}):
                created = datetime.datetime.fromisoformat(container.attrs["Created"][:26].rstrip("Z") + "+00:00")
                if created >= since - datetime.timedelta(seconds=1):
                    container.remove(force=True)

    def __enter__(self) -> TaskContainers:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._keep:
            return
        for container in self.started:
            with contextlib.suppress(Exception):  # already gone, or the engine went away
                container.remove(force=True)


class _ClientView:
    """The real client, except for ``containers.run``."""

    def __init__(self, client: Any, run: Any) -> None:
        self._client = client
        self.containers = _ContainersView(client.containers, run)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


class _ContainersView:
    def __init__(self, containers: Any, run: Any) -> None:
        self._containers, self.run = containers, run

    def __getattr__(self, name: str) -> Any:
        return getattr(self._containers, name)


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
