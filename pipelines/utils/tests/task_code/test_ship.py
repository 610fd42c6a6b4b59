"""Code travels with its tasks: each task's command carries exactly the package files it runs."""

import subprocess
import sys
import textwrap

import pytest
import yaml
from kfp import compiler, dsl

from utils.task_code import policy
from utils.task_code.bundle import bundle, unbundle
from utils.task_code.ship import Shipping, carried_files, ship
from utils.tests.helpers import importable_tree

FULL, DEPS = "shipme:1.0-0123456789ab", "shipme:1.0-deps-ba9876543210"


@pytest.fixture
def codebase(tmp_path, monkeypatch):
    """A package of its own on sys.path: a thin __init__, modules importing each other, a data file."""
    folder = importable_tree(
        monkeypatch,
        tmp_path / "shipme-codebase",
        {
            "shipme/__init__.py": '"""Imports nothing."""\n',
            "shipme/helpers.py": "def double(x):\n    return 2 * x\n",
            "shipme/alpha.py": "from shipme.helpers import double\n\ndef run():\n    return double(21)\n",
            "shipme/beta.py": "def run():\n    return 'beta'\n",
            "shipme/data/words.txt": "one\ntwo\n",
            "tests/test_alpha.py": "def test_x(): pass\n",
        },
    )
    (folder / "shipme" / "__pycache__").mkdir()
    (folder / "shipme" / "__pycache__" / "beta.cpython-311.pyc").write_bytes(b"\0")
    return folder


def pipeline_of(image=FULL):
    @dsl.component(base_image=image, install_kfp_package=False)
    def use_alpha() -> int:
        from shipme.alpha import run

        return run()

    @dsl.component(base_image=image, install_kfp_package=False)
    def use_beta(x: int) -> str:
        import shipme.beta

        return shipme.beta.run() * x

    @dsl.component(base_image=image, install_kfp_package=False)
    def plain(x: str) -> str:
        return x

    @dsl.component(base_image="python:3.11", install_kfp_package=False)
    def elsewhere(x: str) -> str:
        from shipme.beta import run

        return run() + x

    @dsl.pipeline(name="ship-me")
    def shipped():
        a = use_alpha()
        b = use_beta(x=a.output)
        c = plain(x=b.output)
        elsewhere(x=c.output)

    return shipped


def executors(pipeline, tmp_path, name="p.yaml"):
    path = tmp_path / name
    compiler.Compiler().compile(pipeline_func=pipeline, package_path=str(path))
    return yaml.safe_load(path.read_text())["deploymentSpec"]["executors"]


def test_each_task_carries_the_files_it_runs_and_runs_the_dependency_image(codebase, tmp_path):
    shipped = ship(pipeline_of(), Shipping(DEPS, FULL, codebase))
    assert shipped.blocked is None
    assert shipped.tasks == {
        "exec-use-alpha": ["shipme/__init__.py", "shipme/alpha.py", "shipme/data/words.txt", "shipme/helpers.py"],
        "exec-use-beta": ["shipme/__init__.py", "shipme/beta.py", "shipme/data/words.txt"],
        "exec-plain": [],
    }
    found = executors(shipped.pipeline, tmp_path)
    assert {name: e["container"]["image"] for name, e in found.items()} == {
        "exec-use-alpha": DEPS, "exec-use-beta": DEPS, "exec-plain": DEPS, "exec-elsewhere": "python:3.11",
    }  # fmt: skip
    carried = carried_files(found["exec-use-alpha"]["container"]["command"][-1])
    assert carried["shipme/alpha.py"] == (codebase / "shipme" / "alpha.py").read_bytes()
    assert carried["shipme/data/words.txt"] == b"one\ntwo\n"
    # What runs no code of yours, and what another image runs, keep their commands.
    original = executors(pipeline_of(), tmp_path, "original.yaml")
    for name in ("exec-plain", "exec-elsewhere"):
        assert found[name]["container"]["command"] == original[name]["container"]["command"]
        assert carried_files(found[name]["container"]["command"][-1]) is None


def test_shipping_leaves_the_pipeline_it_was_given_unchanged(codebase, tmp_path):
    pipeline = pipeline_of()
    before = executors(pipeline, tmp_path, "before.yaml")
    ship(pipeline, Shipping(DEPS, FULL, codebase))
    assert executors(pipeline, tmp_path, "after.yaml") == before


def test_an_edit_changes_only_the_commands_of_the_tasks_that_run_it_and_no_image(codebase, tmp_path):
    before = executors(ship(pipeline_of(), Shipping(DEPS, FULL, codebase)).pipeline, tmp_path, "a.yaml")
    again = executors(ship(pipeline_of(), Shipping(DEPS, FULL, codebase)).pipeline, tmp_path, "b.yaml")
    assert again == before  # deterministic: the same files give the same bytes
    beta = codebase / "shipme" / "beta.py"
    beta.write_text(beta.read_text() + "# a one-line change\n")
    after = executors(ship(pipeline_of(), Shipping(DEPS, FULL, codebase)).pipeline, tmp_path, "c.yaml")
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"exec-use-beta"}
    assert after["exec-use-beta"]["container"]["image"] == before["exec-use-beta"]["container"]["image"]
    assert b"# a one-line change" in carried_files(after["exec-use-beta"]["container"]["command"][-1])["shipme/beta.py"]


def test_a_container_component_on_the_task_image_keeps_the_code_in_the_image(codebase):
    @dsl.container_component
    def shell():
        return dsl.ContainerSpec(image=FULL, command=["python", "-m", "shipme.beta"])

    @dsl.pipeline(name="with-shell")
    def with_shell():
        shell()

    shipped = ship(with_shell, Shipping(DEPS, FULL, codebase))
    assert shipped.blocked == "the container component shell runs the task image"
    assert shipped.pipeline is with_shell


def test_a_task_runs_the_files_it_carries_ahead_of_any_installed_copy(codebase, tmp_path):
    command = executors(ship(pipeline_of(), Shipping(DEPS, FULL, codebase)).pipeline, tmp_path)["exec-use-alpha"]
    source = command["container"]["command"][-1]
    root = tmp_path / "app"
    stale = tmp_path / "installed"
    (stale / "shipme").mkdir(parents=True)
    (stale / "shipme" / "__init__.py").write_text("")
    (stale / "shipme" / "alpha.py").write_text("def run():\n    return 'stale'\n")
    module = source.replace("'/app'", repr(str(root)))
    probe = module + "\nfrom shipme.alpha import run\nimport shipme.alpha\nprint(run(), shipme.alpha.__file__)\n"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env={"PYTHONPATH": str(stale)}, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["42", str(root / "shipme" / "alpha.py")]


def test_where_the_code_root_is_not_writable_the_task_says_where_its_code_went(codebase, tmp_path):
    files = bundle([codebase / "shipme" / "beta.py", codebase / "shipme" / "__init__.py"], codebase)
    script = textwrap.dedent(f"""
        from utils.task_code.loader import pipe_fiction_code
        root = pipe_fiction_code({files!r}, "/proc/not-writable")
        import shipme.beta
        print(shipme.beta.run(), shipme.beta.__file__.startswith(root))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path.parent,
                          env={"PYTHONPATH": str(__import__("utils").__path__[0].rsplit("/", 1)[0])})  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("[pipe-fiction] the task's code is in ") and "(/app is not writable here)" in lines[0]
    assert lines[1] == "beta True"


def test_a_bundle_is_the_same_bytes_for_the_same_files_and_holds_binary_files(tmp_path):
    (tmp_path / "b.bin").write_bytes(bytes(range(256)))
    (tmp_path / "a.py").write_text("x = 'é'\n")
    first = bundle([tmp_path / "b.bin", tmp_path / "a.py"], tmp_path)
    (tmp_path / "a.py").touch()  # a new mtime, the same content
    assert bundle([tmp_path / "a.py", tmp_path / "b.bin"], tmp_path) == first
    assert unbundle(first) == {"a.py": "x = 'é'\n".encode(), "b.bin": bytes(range(256))}
    assert first.isascii()


def test_code_cannot_travel_when_switched_off_compiled_or_too_large(codebase):
    assert policy.blocker(None, codebase) is None
    assert policy.blocker("1", codebase) is None
    for off in ("0", "off", "False", " no "):
        assert policy.blocker(off, codebase) == "PIPE_FICTION_SHIP_CODE is off"
    extension = codebase / "shipme" / "_fast.cpython-311-x86_64-linux-gnu.so"
    extension.write_bytes(b"\x7fELF")
    assert policy.blocker(None, codebase) == (
        f"the package has a compiled extension ({extension.relative_to(codebase)}), which only an image carries"
    )
    extension.unlink()
    import os

    (codebase / "shipme" / "data" / "big.bin").write_bytes(os.urandom(policy.MAX_PACKAGE_BYTES + 1024))
    assert "kB compressed, more than a task's command should carry" in policy.blocker(None, codebase)


def test_a_local_key_leaves_the_carried_files_out_and_keeps_the_rest_of_the_command(codebase, tmp_path):
    from utils.task_code.ship import without_carried_code

    source = executors(ship(pipeline_of(), Shipping(DEPS, FULL, codebase)).pipeline, tmp_path)["exec-use-alpha"]
    shipped = source["container"]["command"][-1]
    stripped = without_carried_code(shipped)
    assert carried_files(shipped) and "pipe_fiction_code(''," in stripped and stripped != shipped
    assert "def use_alpha(" in stripped and "def pipe_fiction_code(" in stripped
    assert without_carried_code(stripped) == stripped
