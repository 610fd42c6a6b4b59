"""Whether your code can travel with its tasks, or must be built into the image (standard library only).

Shipped, each task's command carries the package modules it imports (:mod:`utils.task_code.ship`)
and the image holds only the dependencies, so a code edit builds no image, pushes nothing, and
changes only the tasks whose own code changed. It cannot apply to code that is not plain files
of a size to carry in a command: compiled extensions, or a package too large. Make asks this
too (``python3 -m utils.image.tag``), before any environment exists.
"""

from __future__ import annotations

import zlib
from pathlib import Path

# kfp warns above 1 MB compressed in a command; a whole package stays well under it.
MAX_PACKAGE_BYTES = 512 * 1024
OFF = ("0", "false", "no", "off")
_EXTENSIONS = (".so", ".pyd", ".dylib")
_SKIPPED = ("__pycache__",)


def package_folders(codebase: Path) -> list[Path]:
    """The importable packages of the codebase folder (its ``tests`` aside)."""
    return sorted(
        p for p in codebase.iterdir() if p.is_dir() and (p / "__init__.py").is_file() and p.name not in ("tests",)
    )


def package_files(codebase: Path) -> list[Path]:
    """Every file of the packages: what may travel with a task (bytecode caches aside)."""
    found = []
    for folder in package_folders(codebase):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not any(part in _SKIPPED or part.startswith(".") for part in path.parts[-3:]):
                found.append(path)
    return found


def blocker(switch: str | None, codebase: Path) -> str | None:
    """Why the code cannot travel with its tasks, in a few words; None when it can.

    Args:
        switch: ``PIPE_FICTION_SHIP_CODE`` (``0``/``off`` turns shipping off).
        codebase: The package's folder.
    """
    if (switch or "").strip().lower() in OFF:
        return "PIPE_FICTION_SHIP_CODE is off"
    if not package_folders(codebase):
        return f"no package found in {codebase.name}"
    files = package_files(codebase)
    compiled = next((p for p in files if p.suffix in _EXTENSIONS), None)
    if compiled is not None:
        return f"the package has a compiled extension ({compiled.relative_to(codebase)}), which only an image carries"
    size = len(zlib.compress(b"".join(p.read_bytes() for p in files), 6))
    if size > MAX_PACKAGE_BYTES:
        return f"the package is {size // 1024} kB compressed, more than a task's command should carry"
    return None
