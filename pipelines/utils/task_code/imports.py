"""Which of your code a task runs: its imports followed through your modules.

A lightweight component ships its function's source in its command, and the imports in that
source name the code it runs. Those that are yours (neither the standard library nor an installed
distribution: the editable package, ``pipelines/`` modules) are followed statically, inside your
code only, **by the names a task uses**:

- ``from pkg.models import train`` depends on ``pkg/models.py`` (and on what it imports, by the
  same rule), and on ``pkg/__init__.py``, which runs first, but not on the siblings that
  ``__init__.py`` imports: a package that re-exports its modules (``from .models import *``)
  makes ``from pkg import train`` depend on ``models.py`` only, the module that defines ``train``.
- ``import pkg.models`` and a name a module defines itself depend on that whole module.
- ``importlib.import_module("pkg.x")`` and ``__import__("pkg.x")`` with a literal name count.
- Relative imports resolve in packages with and without ``__init__.py`` (namespace packages).

:mod:`utils.task_code.fingerprint` hashes those files with the locks that pin everything else:
the key to reusing a task locally.

What static reading cannot see: a module imported by a computed name, what a sibling module
does when imported (side effects at import time), names made at run time (``globals()``, a
module ``__getattr__``: such a name counts as the whole module) and files read at run time;
pass such files as inputs, or use ``--rerun``.
"""

from __future__ import annotations

import ast
import functools
import importlib.machinery
import importlib.util
import sys
import sysconfig
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from utils.pipeline.task_graph import TaskGraph
from utils.pipeline.types import Pipeline

_THIRD_PARTY = ("site-packages", "dist-packages")


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


@dataclass
class _Module:
    """One of your modules, parsed: what it defines and how it imports."""

    name: str
    path: Path
    tree: ast.Module
    is_package: bool

    @property
    def package(self) -> str:
        """The package its relative imports start from."""
        return self.name if self.is_package else self.name.rpartition(".")[0]

    @functools.cached_property
    def defines(self) -> set[str]:
        """The names its own top-level code binds (functions, classes, assignments)."""
        found: set[str] = set()
        for node in self.tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                found.add(node.name)
            elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                found |= {n.id for target in targets for n in ast.walk(target) if isinstance(n, ast.Name)}
        return found


def _absolute(module: str | None, level: int, package: str) -> str:
    """The absolute module name of ``from <dots><module> import ...`` in ``package``."""
    if not level:
        return module or ""
    parts = package.split(".") if package else []
    base = parts[: len(parts) - level + 1] if level <= len(parts) + 1 else []
    return ".".join([*base, module] if module else base)


def _literal_imports(tree: ast.AST) -> list[str]:
    """Module names given as literals to ``importlib.import_module`` or ``__import__``."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        function = node.func
        name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
        first = node.args[0]
        if name in ("import_module", "__import__") and isinstance(first, ast.Constant) and isinstance(first.value, str):
            found.append(first.value)
    return found


class _CodeReader:
    """Follows what a source uses through your modules, module by module and name by name."""

    def __init__(self) -> None:
        self.files: set[Path] = set()
        self._modules: dict[str, _Module | None] = {}
        self._done: set[tuple[str, str]] = set()

    def module(self, name: str) -> _Module | None:
        """Your module (or package) of that name, parsed; None if it is not yours, or is a namespace package."""
        if name not in self._modules:
            files = module_files(name)
            last = name.rpartition(".")[2]
            found = None
            if files:
                path = files[-1]
                is_package = path.name == "__init__.py" and path.parent.name == last
                if is_package or path.name == f"{last}.py":
                    found = _Module(name, path, ast.parse(path.read_bytes(), filename=str(path)), is_package)
            self._modules[name] = found
        return self._modules[name]

    def is_module(self, name: str) -> bool:
        """Whether ``name`` is one of your modules or packages (namespace packages too)."""
        top, *rest = name.split(".")
        folders = _top_level(top)
        if not folders or not is_yours(folders[0]):
            return False
        for index, part in enumerate(rest):
            if any((f / f"{part}.py").is_file() for f in folders):
                return index == len(rest) - 1
            folders = tuple(f / part for f in folders if (f / part).is_dir())
            if not folders:
                return False
        return True

    def source(self, tree: ast.AST, package: str = "") -> None:
        """Follows everything a piece of code (a component body, a module) imports."""
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    self.whole(alias.name)
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(node.module, node.level, package)
                for alias in node.names:
                    if alias.name == "*":
                        self.whole(base)
                    else:
                        self.name(base, alias.name)
        for name in _literal_imports(tree):
            self.whole(name)

    def whole(self, name: str) -> None:
        """Depends on a whole module: the packages above it run first (their files only), then it."""
        if ("*", name) in self._done or not name:
            return
        self._done.add(("*", name))
        parts = name.split(".")
        for depth in range(1, len(parts)):
            self._file_of(".".join(parts[:depth]))
        found = self.module(name)
        if found is not None:
            self.files.add(found.path)
            self.source(found.tree, found.package)

    def _file_of(self, name: str) -> None:
        found = self.module(name)
        if found is not None:
            self.files.add(found.path)

    def name(self, module: str, attribute: str) -> None:
        """Depends on what defines ``module.attribute``: a submodule, the module, or what it re-exports it from."""
        if (module, attribute) in self._done or not module:
            return
        self._done.add((module, attribute))
        if self.is_module(f"{module}.{attribute}"):
            self.whole(f"{module}.{attribute}")
            return
        found = self.module(module)
        if found is None:
            self.whole(module)  # not yours, or a namespace package: nothing more to see
            return
        parts = module.split(".")
        for depth in range(1, len(parts) + 1):
            self._file_of(".".join(parts[:depth]))
        if attribute in found.defines:
            self.whole(module)
            return
        source = self._reexported_from(found, attribute)
        if source is None:
            self.whole(module)  # made at run time, or not found: the whole module, to be safe
        elif source[1] is None:
            self.whole(source[0])
        else:
            self.name(*source)

    def _reexported_from(self, module: _Module, attribute: str) -> tuple[str, str | None] | None:
        """Where a module takes a name it does not define: ``(module, name)``, or ``(module, None)`` for a whole one.

        ``from x import name`` and ``from x import *`` (where ``x`` has the name) re-export a name;
        ``import x.y as name`` binds a whole module to it.
        """
        stars = []
        for node in module.tree.body:
            if isinstance(node, ast.ImportFrom):
                base = _absolute(node.module, node.level, module.package)
                for alias in node.names:
                    if alias.name == "*":
                        stars.append(base)
                    elif (alias.asname or alias.name) == attribute:
                        return base, alias.name
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname == attribute:
                        return alias.name, None
                    if alias.asname is None and alias.name.partition(".")[0] == attribute:
                        return attribute, None
        for base in stars:
            star = self.module(base)
            if star is None or attribute in star.defines or self.is_module(f"{base}.{attribute}"):
                return base, attribute
            if self._reexported_from(star, attribute) is not None:
                return base, attribute
        return None


class _ExecutedReader(_CodeReader):
    """Follows everything importing runs: each package's ``__init__.py`` with all it imports, every module whole."""

    def _file_of(self, name: str) -> None:
        self.whole(name)

    def name(self, module: str, attribute: str) -> None:
        self.whole(module)
        if self.is_module(f"{module}.{attribute}"):
            self.whole(f"{module}.{attribute}")


def executed_files(sources: Iterable[str]) -> set[Path]:
    """Your files importing the given sources' imports runs: what a task must have to run.

    Wider than :func:`user_files` (what a task's results depend on): a package's ``__init__.py``
    runs all it imports, used or not.
    """
    reader = _ExecutedReader()
    for source in sources:
        reader.source(ast.parse(source))
    return reader.files


def user_files(sources: Iterable[str]) -> set[Path]:
    """Your files the given sources run: what they use, followed through your own modules by name."""
    reader = _CodeReader()
    for source in sources:
        reader.source(ast.parse(source))
    return reader.files


def executor_sources(pipeline: Pipeline) -> dict[str, list[str]]:
    """The Python sources (component bodies) of each container executor of a pipeline, by executor label."""
    from google.protobuf.json_format import MessageToDict

    executors = MessageToDict(pipeline.pipeline_spec.deployment_spec).get("executors", {})
    return {
        label: python_sources([*container["command"], *container.get("args", [])])
        for label, executor in executors.items()
        if "command" in (container := executor.get("container", {}))
    }


def task_files(pipeline: Pipeline) -> dict[str, set[Path]]:
    """Your files each task of a pipeline runs, by task name (``make tasks``), at any depth."""
    spec = pipeline.pipeline_spec
    sources = executor_sources(pipeline)
    graph = TaskGraph(pipeline)
    found = {}
    for node in graph.tasks:
        label = spec.components[node.component].executor_label if node.component in spec.components else ""
        if label in sources:
            found[graph.key(node)] = user_files(sources[label])
    return found


def installed_imports(sources: Iterable[str]) -> list[str]:
    """The installed modules (neither yours nor the standard library's) the sources and your files they run import.

    What a task loads before its first line of work (pandas, scikit-learn): a warm parent imports
    them once for a run's tasks (:mod:`utils.local.warm`).
    """
    sources = list(sources)
    trees = [ast.parse(source) for source in sources]
    trees += [ast.parse(path.read_bytes(), filename=str(path)) for path in sorted(executed_files(sources))]
    names: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
    found = []
    for name in sorted(names):
        top = name.split(".")[0]
        if top in sys.stdlib_module_names:
            continue
        folders = _top_level(top)
        if folders and not is_yours(folders[0]):
            found.append(name)
    return found


def pipeline_installed_imports(pipeline: Pipeline) -> list[str]:
    """:func:`installed_imports` of every task of a pipeline, together."""
    return installed_imports(source for sources in executor_sources(pipeline).values() for source in sources)
