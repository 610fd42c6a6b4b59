"""kfp.local's Docker runner, made to behave the same on every kfp from 2.7 on.

The fixes wrap kfp's own code and change only what each bug needs; each is gated on the kfp
versions that have the bug (:data:`FIXES`) and has a canary test that fails once an installed kfp
no longer has it, so that the fix can then be retired:

- ``runner_args`` (2.7-2.13): ``DockerRunner`` takes no ``docker run`` arguments. kfp's
  ``DockerTaskHandler.run`` still runs; the runner's arguments reach ``containers.run``.
- ``image_name`` (2.7-2.13): a pull splits the image name on ':' and crashes on
  ``registry:5000/name``; the image is pulled (with the name parsed properly) before kfp looks.
- ``leftover_containers`` (2.14-2.15): exited containers are never removed.
- ``exit_status`` (2.16 on, kubeflow/pipelines#13332, unfixed as of 2.17.3): ``auto_remove=True``
  is hard-coded, so the daemon may remove the container before kfp reads its exit status, and
  a failed task is reported SUCCESS; a user's ``auto_remove=`` crashes with "multiple values".

Applied by :func:`utils.docker.runner.docker_runner` (never at import), once per process.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import re
import threading
from typing import Any

from utils.common.errors import DockerError, PipeFictionError, PortInUseError
from utils.kfp_seams.local_run import publishes_ports, task_environment
from utils.kfp_seams.seam import Seam
from utils.kfp_seams.versions import Version, kfp_version

# Fix name -> (first kfp (major, minor) with the bug, first without it; None: still there).
FIXES: dict[str, tuple[Version, Version | None]] = {
    "runner_args": ((2, 7), (2, 14)),
    "image_name": ((2, 7), (2, 14)),
    "leftover_containers": ((2, 14), (2, 16)),
    "exit_status": ((2, 16), None),
}
NATIVE_RUN_ARGS_SINCE: Version = (2, 14)
RUN_CONTAINER = Seam(
    "kfp.local.docker_task_handler",
    "run_docker_container",
    since=(2, 7),
    until=None,
    parameters=("client", "image", "command", "volumes"),
    why="image names with a registry port, leftover containers, exit status read after auto-removal",
)
HANDLER_RUN = Seam(
    "kfp.local.docker_task_handler",
    "DockerTaskHandler.run",
    since=FIXES["runner_args"][0],
    until=FIXES["runner_args"][1],
    parameters=("self",),
    why="hands the runner's docker-run arguments to the container call (kfp < 2.14 drops them)",
)
SEAMS = (RUN_CONTAINER, HANDLER_RUN)
_MARKER = "_pipe_fiction_docker_fix"
# kfp's own functions, kept when a seam replaces them.
_ORIGINAL: dict[str, Any] = {}
# On kfp < 2.14: the runner's arguments of the task being run, for the container wrapper.
_runner_args: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("runner_args", default=None)


def needs(fix: str, version: Version | None = None) -> bool:
    """Whether ``fix`` applies to the installed (or the given) kfp version."""
    since, until = FIXES[fix]
    version = version or kfp_version()
    return since <= version and (until is None or version < until)


def apply_patches() -> None:
    """Installs the wrappers the installed kfp needs; a no-op when installed before."""
    if any(needs(fix) for fix in ("image_name", "leftover_containers", "exit_status")):
        RUN_CONTAINER.install(lambda original: _keep("run_docker_container", original, run_docker_container), _MARKER)
    if needs("runner_args"):
        HANDLER_RUN.install(lambda original: _keep("run", original, _run_with_runner_args), _MARKER)


def runner_with(run_args: dict[str, Any]) -> Any:
    """A ``kfp.local.DockerRunner`` carrying ``docker run`` arguments (kfp < 2.14 takes none: they ride along)."""
    from kfp import local

    if kfp_version() >= NATIVE_RUN_ARGS_SINCE:
        return local.DockerRunner(**run_args)
    runner = local.DockerRunner()
    runner.container_run_args = run_args
    return runner


def _keep(name: str, original: Any, replacement: Any) -> Any:
    _ORIGINAL[name] = original
    return replacement


def run_docker_container(client: Any, image: str, command: list[str], volumes: dict[str, Any], **run_args: Any) -> int:
    """Runs kfp's own ``run_docker_container`` on a client that removes the container only at the end.

    Its ``containers.run`` drops ``auto_remove`` (so the exit status is still there when kfp
    reads it) and adds, on kfp < 2.14, the runner's arguments; the container is removed after
    kfp returns, also on an error or a signal (``auto_remove=False``/``remove=False`` keeps it).
    """
    run_args = {**(_runner_args.get() or {}), **run_args}
    extra = task_environment()  # the task's own variables (its kfp-kubernetes secrets, say)
    if extra:
        run_args["environment"] = {**environment_dict(run_args.get("environment")), **extra}
    if not publishes_ports():  # only the debugged task's container: another running at once would clash
        run_args.pop("ports", None)
    keep = False in (run_args.pop("auto_remove", True), run_args.pop("remove", True))
    # Pulled here when missing, with the name parsed properly (kfp < 2.14 splits it on ':')
    # and a clear error when it cannot be pulled; kfp then finds it and pulls nothing.
    image = ensure_image(client, image)
    native = kfp_version() >= NATIVE_RUN_ARGS_SINCE
    with TaskContainers(client, extra_run_args={} if native else run_args, keep=keep) as containers:
        return _ORIGINAL["run_docker_container"](
            containers.client, image=image, command=command, volumes=volumes, **(run_args if native else {})
        )


def environment_dict(environment: Any) -> dict[str, str]:
    """Variables given as docker-py takes them (a dict, or ``KEY=VALUE`` strings) as a dict."""
    if isinstance(environment, dict):
        return {str(k): str(v) for k, v in environment.items()}
    return dict(item.split("=", 1) if "=" in item else (item, "") for item in environment or [])


def _run_with_runner_args(self: Any) -> Any:
    """Runs kfp < 2.14's ``DockerTaskHandler.run``, handing the runner's arguments to the container wrapper."""
    token = _runner_args.set(dict(getattr(self.runner, "container_run_args", {})))
    try:
        return _ORIGINAL["run"](self)
    finally:
        _runner_args.reset(token)


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
            raise start_error(error, kwargs.get("ports")) from None
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
        with _LIVE_LOCK:
            _LIVE.add(self)
        return self

    def __exit__(self, *exc: object) -> None:
        with _LIVE_LOCK:
            _LIVE.discard(self)
        if not self._keep:
            self.remove()

    def remove(self) -> None:
        """Removes every container it started (running or not)."""
        for container in self.started:
            with contextlib.suppress(Exception):  # already gone, or the engine went away
                container.remove(force=True)


_LIVE: set[TaskContainers] = set()  # those of tasks under way, in any thread
_LIVE_LOCK = threading.Lock()


def remove_running_containers() -> None:
    """Removes the containers of every task still under way (a stopped run whose tasks run in other threads)."""
    with _LIVE_LOCK:
        live = [containers for containers in _LIVE if not containers._keep]
    for containers in live:
        containers.remove()


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
            f"image '{image}' is not on this machine and cannot be pulled ({reason(error)}): "
            "build it with 'make build-image'"
        ) from None
    return image


def start_error(error: Any, ports: dict[Any, Any] | None) -> PipeFictionError:
    """A container start failure as one user-facing error (a busy port names the port)."""
    text = reason(error)
    match = re.search(r":(\d+)(?: failed|: bind)", text)
    if match or "port is already allocated" in text:
        return PortInUseError(match.group(1) if match else ", ".join(str(p) for p in (ports or {}).values()))
    return DockerError(f"the task container did not start: {text}")


def reason(error: Any) -> str:
    """A docker-py error in one short line (its explanation, whitespace folded)."""
    text = str(getattr(error, "explanation", None) or error)
    return " ".join(text.split())[:300]
