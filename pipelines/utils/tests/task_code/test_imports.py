"""The code a task runs is found from its component's imports, through your modules only."""

import textwrap

import pytest

from utils.task_code import fingerprint as code_fingerprint
from utils.task_code.fingerprint import task_fingerprint
from utils.task_code.imports import python_sources, user_files
from utils.tests.helpers import importable_tree

BODY = """
def step(n: int) -> str:
    import json
    import pandas
    {imports}
    return json.dumps(n)
"""


@pytest.fixture
def package(tmp_path, monkeypatch):
    """``pkg``: a -> b (relative import), b, c (imported by nobody), sub/d; a uv.lock beside it."""
    return importable_tree(
        monkeypatch,
        tmp_path / "src",
        {
            "pkg/__init__.py": '"""Nothing imported here."""\n',
            "pkg/a.py": "from .b import helper\n\ndef run():\n    return helper()\n",
            "pkg/b.py": "import os\n\ndef helper():\n    return os.sep\n",
            "pkg/c.py": "def unused():\n    return 1\n",
            "pkg/sub/__init__.py": "",
            "pkg/sub/d.py": "from pkg.sub import __name__ as _n\nfrom ..c import unused\n",
            "uv.lock": "version = 1\n",
        },
    )


def command(imports: str) -> list[str]:
    """A component command shaped like kfp's: a shell line, then the function's module source."""
    source = "import kfp\nfrom kfp import dsl\n" + textwrap.dedent(BODY.format(imports=imports))
    return ["sh", "-c", 'printf "%s" "$0" > x.py && python3 x.py "$@"', source, "--executor_input", "{{$}}"]


def names(files, root):
    return sorted(p.relative_to(root).as_posix() for p in files)


def test_only_the_function_source_is_read_from_the_command():
    assert python_sources(command("")) == [command("")[3]]
    assert python_sources(["sh", "-c", "echo def x"]) == []


def test_imports_are_followed_through_your_modules_only(package):
    found = user_files(python_sources(command("from pkg.a import run")))
    assert names(found, package) == ["pkg/__init__.py", "pkg/a.py", "pkg/b.py"]


def test_relative_imports_two_levels_up_and_submodules_of_subpackages(package):
    found = user_files(python_sources(command("import pkg.sub.d")))
    assert names(found, package) == ["pkg/__init__.py", "pkg/c.py", "pkg/sub/__init__.py", "pkg/sub/d.py"]


def test_from_package_import_module_and_attribute(package):
    assert names(user_files(python_sources(command("from pkg import c"))), package) == [
        "pkg/__init__.py",
        "pkg/c.py",
    ]
    assert names(user_files(python_sources(command("from pkg import something"))), package) == ["pkg/__init__.py"]


def test_the_standard_library_and_installed_packages_are_not_yours():
    assert user_files(python_sources(command("import csv\n    import kfp.dsl"))) == set()


def test_a_change_reaches_exactly_the_tasks_importing_the_module(package):
    uses_a, uses_c = command("from pkg.a import run"), command("from pkg.c import unused")
    before = task_fingerprint(uses_a), task_fingerprint(uses_c)
    (package / "pkg" / "b.py").write_text("import os\n\ndef helper():\n    return os.sep * 2\n")
    after = task_fingerprint(uses_a), task_fingerprint(uses_c)
    assert after[0] != before[0] and after[1] == before[1]


def test_a_change_to_the_lock_beside_your_code_changes_every_key(package):
    uses_a, stdlib_only = command("from pkg.a import run"), command("")
    before = task_fingerprint(uses_a), task_fingerprint(stdlib_only)
    (package / "uv.lock").write_text("version = 2\n")
    assert task_fingerprint(uses_a) != before[0]
    # The project's own locks pin every task, whatever it imports.
    assert code_fingerprint.environment_files() >= {
        code_fingerprint.PIPELINES_DIR / "uv.lock",
        code_fingerprint.codebase() / "uv.lock",
    }


def test_a_task_without_python_source_has_no_code_fingerprint():
    assert task_fingerprint(["sh", "-c", "wc -l < $0", "file"]) is None


@pytest.fixture
def reexporting(tmp_path, monkeypatch):
    """``shop``: an ``__init__`` re-exporting every module, as many packages do; ``ns``: no ``__init__`` at all."""
    return importable_tree(
        monkeypatch,
        tmp_path / "src2",
        {
            "shop/__init__.py": "from .models import *\nfrom .report import *\nfrom shop import units as u\n",
            "shop/models.py": "from .units import scale\n\ndef train(x):\n    return scale(x)\n",
            "shop/report.py": "def render(x):\n    return str(x)\n",
            "shop/units.py": "def scale(x):\n    return 2 * x\n",
            "shop/late.py": "VALUE = 1\n",
            "ns/part.py": "from .helper import help_me\n",
            "ns/helper.py": "def help_me():\n    return 1\n",
        },
    )


def test_a_name_from_a_re_exporting_package_depends_on_the_module_that_defines_it_only(reexporting):
    found = user_files(python_sources(command("from shop import train")))
    assert names(found, reexporting) == ["shop/__init__.py", "shop/models.py", "shop/units.py"]
    assert names(user_files(python_sources(command("from shop import render"))), reexporting) == [
        "shop/__init__.py",
        "shop/report.py",
    ]


def test_an_edit_to_a_sibling_module_leaves_a_task_using_another_name_alone(reexporting):
    trains, renders = command("from shop import train"), command("from shop import render")
    before = task_fingerprint(trains), task_fingerprint(renders)
    (reexporting / "shop" / "report.py").write_text("def render(x):\n    return repr(x)\n")
    assert task_fingerprint(trains) == before[0] and task_fingerprint(renders) != before[1]


def test_an_aliased_module_and_a_whole_import_count_whole(reexporting):
    assert "shop/units.py" in names(user_files(python_sources(command("from shop import u"))), reexporting)
    found = names(user_files(python_sources(command("import shop.report"))), reexporting)
    assert found == ["shop/__init__.py", "shop/report.py"]


@pytest.mark.parametrize(
    "imports",
    ['importlib.import_module("shop.late")', '__import__("shop.late")', 'import_module("shop.late")'],
)
def test_a_module_imported_by_a_literal_name_counts(reexporting, imports):
    assert "shop/late.py" in names(user_files(python_sources(command(f"import importlib\n    {imports}"))), reexporting)


def test_relative_imports_in_a_namespace_package_are_followed(reexporting):
    found = names(user_files(python_sources(command("from ns.part import help_me"))), reexporting)
    assert found == ["ns/helper.py", "ns/part.py"]
