"""Whether the cluster can pull the task image: a warning for ``make run-k8s`` when it may not.

The compiled pipeline names the fingerprinted tag of the working tree (:mod:`utils.image.tag`),
so after any change to the package that tag exists only where it was built until it is pushed.
Docker records a repository digest for an image once it has been pushed (or pulled), which is
what is checked here; a registry this machine cannot see is not asked.
"""

from __future__ import annotations

from utils.common.errors import DockerError
from utils.docker.containers import docker_client
from utils.image.tag import registry

PUSH_HINT = "make push-image IMAGE=<registry>/<name>, or the release workflow"


def push_warning(image: str) -> str | None:
    """Why a cluster may be unable to pull ``image``; None when it looks pushed (or cannot be told).

    Args:
        image: The image the compiled pipeline names.
    """
    if registry(image) is None:
        return f"image {image} names no registry: a cluster can run it only if it is loaded onto its nodes; {PUSH_HINT}"
    try:
        client = docker_client()
    except DockerError:
        return None
    import docker

    try:
        digests = client.images.get(image).attrs.get("RepoDigests") or []
    except docker.errors.ImageNotFound:
        return f"image {image} is not on this machine: if it was not pushed from elsewhere, {PUSH_HINT}"
    except docker.errors.DockerException:
        return None
    finally:
        client.close()
    repository = image.rsplit(":", 1)[0]
    if not any(digest.startswith(f"{repository}@") for digest in digests):
        return f"image {image} has not been pushed from this machine: {PUSH_HINT}"
    return None
