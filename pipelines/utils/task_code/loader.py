"""The code a task with shipped code runs first: its own package files written where the image expects them.

``pipe_fiction_code`` is copied, as source, into the task's component module ahead of the
component function (:mod:`utils.task_code.ship`), so it must be self-contained: standard
library imports inside it. It writes the files under ``/app`` (where the full image installs
the package, so the path mappings of VS Code and ``make debug-k8s`` stay the same), falling
back to a temporary folder where ``/app`` is not writable (saying so: breakpoints then need
that folder mapped), and puts the folder first on ``sys.path``.
"""

from __future__ import annotations

ROOT = "/app"


def pipe_fiction_code(bundle: str, root: str) -> str:
    """Writes the bundled files under ``root`` and makes them the ones imported; returns the folder used."""
    import base64
    import importlib
    import json
    import os
    import sys
    import tempfile
    import zlib

    files = json.loads(zlib.decompress(base64.b64decode(bundle)))
    try:
        os.makedirs(root, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=root)  # noqa: SIM115  (closed at once)
        probe.close()
    except OSError:
        root = os.path.join(tempfile.gettempdir(), "pipe-fiction-code")
        print(f"[pipe-fiction] the task's code is in {root} (/app is not writable here)", flush=True)
    for name, content in files.items():
        path = os.path.join(root, *name.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        data = base64.b64decode(content["base64"]) if isinstance(content, dict) else content.encode("utf-8")
        with open(path, "wb") as f:
            f.write(data)
    if root in sys.path:
        sys.path.remove(root)
    sys.path.insert(0, root)
    importlib.invalidate_caches()
    return root
