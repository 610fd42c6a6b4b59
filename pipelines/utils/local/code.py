"""Which of your code a task runs, and a fingerprint of it: the key to reusing a task locally.

A lightweight component ships its function's source in its command, and the imports in that
source name the modules it runs. Those that are yours (neither the standard library nor an
installed distribution: the editable package, ``pipelines/`` modules) are followed through
their own imports, statically, inside your code only. The fingerprint hashes those files with
the locks that pin everything else, so editing one module changes the key of exactly the
tasks that import it, and a change to a lock changes every key.

What static reading cannot see: modules imported by a computed name (``importlib.import_module``
with a variable) and files a task reads at run time; keep those out of ``__init__.py``, or
pass them as inputs, so that a change to them reaches the key.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.machinery
import importlib.util
import sys
import sysconfig
from collections.abc import Iterable
from pathlib import Path

from utils.common.paths import PIPELINES_DIR, codebase
from utils.image.tag import hash_files
from utils.pipeline.task_graph import TaskGraph
from utils.pipeline.types import Pipeline

_THIRD_PARTY = ("site-packages", "dist-packages")
# Files that pin the environment every task runs in: a change to any of them changes every key.
_ENVIRONMENT = ("uv.lock", "pyproject.toml", "Dockerfile")


def python_sources(command: Iterable[str]) -> list[str]:
    """The items of a task's command that are Python source defining a function (a component's body)."""
    sources = []
    for item in command:
        if "def " not in item:
            continue
        try:
            tree = ast.parse(item)
        except (SyntaxError, ValueError):
            continue
        if any(isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) for node in tree.body):
            sources.append(item)
    return sources


def imported_modules(tree: ast.AST, package: str = "") -> set[str]:
    """Absolute names of the modules an AST imports, at any depth; ``from a import b`` gives ``a`` and ``a.b``.

    Args:
        tree: A parsed module.
        package: The package the module belongs to, for relative imports.
    """
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1] if package else []
                base = ".".join([*parent, base] if base else parent)
            if base:
                names.add(base)
                names.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
    return names


def is_yours(path: Path) -> bool:
    """Whether a module file is your code: not the standard library, not an installed distribution."""
    if _THIRD_PARTY[0] in path.parts or _THIRD_PARTY[1] in path.parts:
        return False
    return not any(path.is_relative_to(folder) for folder in _stdlib())


@functools.cache
def _stdlib() -> frozenset[Path]:
    return frozenset(Path(sysconfig.get_paths()[key]).resolve() for key in ("stdlib", "platstdlib"))


def _top_level(name: str) -> tuple[Path, ...]:
    """The folders (package) or file (module) of a top-level name, found without importing it.

    Searched on ``sys.path`` first, as a task's fresh process would, rather than taken from
    ``sys.modules``: a module imported here earlier may since have been shadowed.
    """
    try:
        spec = importlib.machinery.PathFinder.find_spec(name) or importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return ()
    if spec is None:
        return ()
    if spec.submodule_search_locations:
        return tuple(Path(p).resolve() for p in spec.submodule_search_locations)
    return (Path(spec.origin).resolve(),) if spec.origin and spec.origin.endswith(".py") else ()


def module_files(name: str) -> list[Path]:
    """The files importing ``name`` runs, where they are yours: each package's ``__init__.py``, then the module."""
    top, *rest = name.split(".")
    found = _top_level(top)
    if not found or not is_yours(found[0]):
        return []
    if found[0].is_file():
        return [found[0]] if not rest else []
    files: list[Path] = []
    folders = list(found)
    for index in range(len(rest) + 1):
        inits = [f / "__init__.py" for f in folders if (f / "__init__.py").is_file()]
        files.extend(inits[:1])
        if index == len(rest):
            break
        nxt = rest[index]
        module = next((f / f"{nxt}.py" for f in folders if (f / f"{nxt}.py").is_file()), None)
        if module is not None:
            files.append(module)
            break
        folders = [f / nxt for f in folders if (f / nxt).is_dir()]
        if not folders:
            break  # an attribute of the package, not a module
    return files


def _package_of(path: Path) -> str:
    """The dotted package a file belongs to, from the ``__init__.py`` files above it."""
    parts: list[str] = []
    folder = path.parent
    while (folder / "__init__.py").is_file():
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts)


def user_files(sources: Iterable[str]) -> set[Path]:
    """Your files the given sources run: their imports, followed through your own modules."""
    pending = [(ast.parse(source), "") for source in sources]
    seen: set[Path] = set()
    while pending:
        tree, package = pending.pop()
        for name in imported_modules(tree, package):
            for path in module_files(name):
                if path not in seen:
                    seen.add(path)
                    pending.append((ast.parse(path.read_bytes(), filename=str(path)), _package_of(path)))
    return seen


def environment_files(files: Iterable[Path] = ()) -> set[Path]:
    """The files that pin every task's environment: both projects' and those of the folders of ``files``."""
    folders = {PIPELINES_DIR, codebase()}
    for path in files:
        folder = next((p for p in path.parents if (p / "uv.lock").is_file() or (p / "pyproject.toml").is_file()), None)
        if folder is not None:
            folders.add(folder)
    return {folder / name for folder in folders for name in _ENVIRONMENT if (folder / name).is_file()}


def task_files(pipeline: Pipeline) -> dict[str, set[Path]]:
    """Your files each task of a pipeline runs, by task name (``make tasks``), at any depth."""
    from google.protobuf.json_format import MessageToDict

    spec = pipeline.pipeline_spec
    executors = MessageToDict(spec.deployment_spec).get("executors", {})
    graph = TaskGraph(pipeline)
    found = {}
    for node in graph.tasks:
        label = spec.components[node.component].executor_label if node.component in spec.components else ""
        container = executors.get(label, {}).get("container", {})
        if "command" in container:
            found[graph.key(node)] = user_files(python_sources([*container["command"], *container.get("args", [])]))
    return found


def task_fingerprint(command: Iterable[str]) -> str | None:
    """A hash of your code a task runs and of the environment pinning the rest; None for a non-Python task."""
    sources = python_sources(command)
    if not sources:
        return None
    files = user_files(sources)
    digest = hashlib.sha256(f"python {sys.version_info.major}.{sys.version_info.minor}\0".encode())
    for path in sorted(files | environment_files(files)):
        hash_files(digest, [path], Path(path.anchor))
    return digest.hexdigest()
