"""The machinery's shape, read statically from its imports: no cycle, and no arrow back up.

Every import of a ``utils`` module counts, also those inside functions. The sub-packages stand in
layers (:data:`LAYERS`): a module may import from its own sub-package and from lower layers only.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from utils.common.paths import PIPELINES_DIR

UTILS = PIPELINES_DIR / "utils"
# Lower first. Sub-packages in one layer do not import each other.
LAYERS = [
    {"common"},
    {"kfp_seams"},
    {"pipeline"},
    {"task_code"},
    {"debugging", "docker", "report"},
    {"image"},
    {"local", "cluster"},
    {"testing"},
    {"dev"},
]
RANK = {package: rank for rank, packages in enumerate(LAYERS) for package in packages}


def machinery_modules() -> dict[str, Path]:
    modules = {}
    for path in UTILS.rglob("*.py"):
        relative = path.relative_to(PIPELINES_DIR).with_suffix("")
        if relative.parts[1] == "tests":
            continue
        parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
        modules[".".join(parts)] = path
    return modules


def imports_of(path: Path, module: str, known: set[str]) -> set[str]:
    """The machinery modules a file imports, anywhere in it (``from utils.x import y``: ``utils.x.y`` if a module)."""
    found = set()
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        found |= {name for name in names if name in known and name != module}
    return found


def graph() -> dict[str, set[str]]:
    modules = machinery_modules()
    known = set(modules)
    return {module: imports_of(path, module, known) for module, path in modules.items()}


def sub_package(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in RANK) else None


def test_every_sub_package_has_a_layer():
    packages = {p.name for p in UTILS.iterdir() if (p / "__init__.py").is_file()} - {"tests"}
    assert packages == set(RANK)


def test_no_import_cycle_among_the_machinerys_modules():
    edges = graph()
    cycles = []
    state: dict[str, int] = {}

    def visit(module: str, stack: list[str]) -> None:
        state[module] = 1
        for target in sorted(edges[module]):
            if state.get(target) == 1:
                cycles.append([*stack[stack.index(target) :], target])
            elif target not in state:
                visit(target, [*stack, target])
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_no_import_runs_back_up_a_layer():
    upward = []
    for module, targets in graph().items():
        own = sub_package(module)
        if own is None:
            continue
        for target in targets:
            theirs = sub_package(target)
            if theirs is not None and theirs != own and RANK[theirs] >= RANK[own]:
                upward.append(f"{module} -> {target}")
    assert sorted(upward) == []


@pytest.mark.parametrize(
    "module",
    [
        "utils",
        "utils.common.paths",
        "utils.image.tag",
        "utils.image.build",
        "utils.task_code.policy",
        "utils.dev.rename",
    ],
)
def test_what_the_makefile_runs_with_the_system_python_needs_only_the_standard_library(module):
    # -S -I: no site-packages, no PYTHONPATH: a bare interpreter, as a system python3 may be.
    script = f"import sys; sys.path.insert(0, {str(PIPELINES_DIR)!r}); import {module}"
    done = subprocess.run([sys.executable, "-S", "-I", "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_makefile_asks_the_image_name_of_a_bare_interpreter():
    done = subprocess.run(
        [sys.executable, "-S", "-m", "utils.image.tag"], cwd=PIPELINES_DIR, capture_output=True, text=True
    )
    assert done.returncode == 0 and ":" in done.stdout, done.stderr[-2000:]
