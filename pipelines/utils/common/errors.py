"""The user-facing errors: one hierarchy, each raised by the concern it names.

A :class:`PipeFictionError` is something the user can act on; its message is the whole story.
The process edge (:func:`utils.common.cli.run_cli`) turns it into one line and exit code 1,
never a traceback.
"""

from __future__ import annotations


class PipeFictionError(Exception):
    """An error the user can act on; its message is the whole story (no traceback shown)."""


class SettingsError(PipeFictionError):
    """A setting or the .env file is not what the template can use."""


class PipelineError(PipeFictionError):
    """The pipeline cannot be found, loaded or run as asked (a module, a task name, an argument)."""


class UserCodeError(PipelineError):
    """Your code (the pipeline, its components, your package) raised while it was loaded or compiled.

    The message is one line naming your file and line and the error; ``details`` are your own
    frames of the traceback (``full`` is the whole of it, for ``--verbose``).
    """

    def __init__(self, message: str, details: str = "", full: str = "") -> None:
        super().__init__(message)
        self.details, self.full = details, full


class PipelineNotFoundError(PipelineError):
    """The module or function named as the pipeline is not there, or is not one pipeline."""


class PipelineArgumentError(PipelineError):
    """A pipeline argument is refused before the run starts."""


class UnknownTaskError(PipelineError):
    """A task named on the command line (``--debug``, ``--rerun``, ``TASK=``) is not in the pipeline."""


class TaskFailedError(PipeFictionError):
    """A task of a local run finished with status FAILURE."""

    def __init__(self, task: str, result: object = None, hint: str | None = None) -> None:
        super().__init__(f"task '{task}' failed: {hint}" if hint else f"task '{task}' failed; its log is above")
        self.task = task
        self.result = result  # the run's result (utils.local.run.LocalRunResult), where there is one


class PortInUseError(PipeFictionError):
    """A host port the run needs is already taken, or may not be taken by this user."""

    def __init__(self, port: int | str, privileged: bool = False) -> None:
        if privileged:
            message = f"host port {port} needs privileges (ports below 1024 are root's): choose a port of 1024 or above"
        else:
            message = f"host port {port} is already in use: free it or choose another port"
        super().__init__(message)
        self.port = port


class DockerError(PipeFictionError):
    """The Docker engine or an image is not what a run needs (a busy port is a PortInUseError)."""


class ClusterError(PipeFictionError):
    """The cluster, its API, its login or its Kubernetes API did not do what the run needs."""
