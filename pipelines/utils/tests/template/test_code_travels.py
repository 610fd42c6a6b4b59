"""A code edit reaches Docker runs and the cluster with no image build: tasks carry their own code.

In a copy of the repository, as a user works: ``make compile`` / ``make run-k8s`` (against a
loopback KFP API) / ``make run-docker`` / ``make debug-docker`` before and after a one-line
edit in a package module. The module edited is the one the fewest tasks carry (read from the
compiled commands), so these tests hold for whatever pipeline and package the tree has.
"""

import json
import subprocess
import uuid
from pathlib import Path

import pytest
import yaml

from utils.task_code.ship import carried_files
from utils.testing.debug_session import free_port, make_debug_stop
from utils.testing.fakes.kfp_api import FakeKfp
from utils.tests.helpers.copies import clean_env, clone, make, ok, once_on_the_locked_kfp

pytestmark = once_on_the_locked_kfp(also_in_copies=False)
EDIT = "\n# a one-line change\n"


@pytest.fixture(scope="module")
def copy(tmp_path_factory):
    """A copy of the repository with its pipelines environment set up (by its first make compile)."""
    folder = clone(tmp_path_factory.mktemp("travels"))
    ok(make(folder, "--no-print-directory", "compile", f"PIPELINE_YAML={folder}/build/setup.yaml", timeout=900))
    return folder


@pytest.fixture
def restored(copy):
    """The copy, put back as committed after the test."""
    yield copy
    subprocess.run(["git", "checkout", "--quiet", "--", "."], cwd=copy, check=True)


def compiled(copy: Path, name: str, **env: str) -> tuple[dict, subprocess.CompletedProcess]:
    """The compiled pipeline's executors (``make compile``), and the make's result."""
    path = copy / "build" / name
    done = ok(make(copy, "--no-print-directory", "compile", f"PIPELINE_YAML={path}", **env))
    return yaml.safe_load(path.read_text())["deploymentSpec"]["executors"], done


def carried(executors: dict) -> dict[str, dict[str, bytes]]:
    """Per executor, the files its command carries."""
    return {name: carried_files(e["container"]["command"][-1]) or {} for name, e in executors.items()}


def module_of_fewest_tasks(copy: Path, executors: dict) -> tuple[Path, set[str]]:
    """The package module (not an ``__init__.py``) the fewest tasks carry, and the executors carrying it."""
    files = carried(executors)
    modules = {m for f in files.values() for m in f if m.endswith(".py") and not m.endswith("__init__.py")}
    assert modules, f"no task carries a module of the package: {files}"
    module = min(sorted(modules), key=lambda m: sum(m in f for f in files.values()))
    codebase = next(copy.glob("*-codebase"))
    return codebase / module, {name for name, f in files.items() if module in f}


def image_tags(engine) -> list[str]:
    return sorted(f"{tag} {image.id}" for image in engine.images.list() for tag in image.tags)


def test_an_edit_changes_only_the_commands_of_the_tasks_that_carry_it_and_no_image(restored):
    before, _ = compiled(restored, "before.yaml")
    module, users = module_of_fewest_tasks(restored, before)
    with open(module, "a") as f:
        f.write(EDIT)
    after, _ = compiled(restored, "after.yaml")
    assert {n: e["container"]["image"] for n, e in after.items()} == {
        n: e["container"]["image"] for n, e in before.items()
    }
    changed = {name for name in before if before[name]["container"]["command"] != after[name]["container"]["command"]}
    assert changed == users
    for name in set(before) - users:  # byte-identical: the backend's cache key matches
        assert after[name] == before[name]
    for name in users:
        relative = module.relative_to(next(restored.glob("*-codebase"))).as_posix()
        assert carried(after)[name][relative].endswith(EDIT.encode())
    # Inputs and the graph are the same too: only commands changed.
    read = lambda name: yaml.safe_load((restored / "build" / name).read_text())  # noqa: E731
    first, second = read("before.yaml"), read("after.yaml")
    assert (first["root"], first["components"]) == (second["root"], second["components"])


def test_a_lock_change_gives_every_task_a_new_dependency_image(restored):
    before, _ = compiled(restored, "before.yaml")
    with open(next(restored.glob("*-codebase")) / "uv.lock", "a") as f:
        f.write("\n# a lock change\n")
    after, _ = compiled(restored, "after.yaml")
    named = subprocess.run(["python3", "-m", "utils.image.tag"], cwd=restored / "pipelines", env=clean_env(),
                           capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    assert "-deps-" in named
    assert {e["container"]["image"] for e in after.values()} == {named}
    assert not {e["container"]["image"] for e in before.values()} & {named}
    assert {n: e["container"]["command"] for n, e in after.items()} == {
        n: e["container"]["command"] for n, e in before.items()
    }


def test_switched_off_the_code_travels_in_the_full_image_saying_so_in_one_line(restored):
    executors, done = compiled(restored, "off.yaml", PIPE_FICTION_SHIP_CODE="0")
    full = subprocess.run(
        ["python3", "-m", "utils.image.tag", "--full"], cwd=restored / "pipelines", env=clean_env(),
        capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    assert {e["container"]["image"] for e in executors.values()} == {full}
    assert not any(carried(executors).values())
    said = [line for line in done.stderr.splitlines() if "Code travels" in line]
    assert len(said) == 1 and said[0].endswith(
        "Code travels in the image, not with the tasks: PIPE_FICTION_SHIP_CODE is off"
    )


def test_make_run_k8s_submits_the_edit_inside_its_tasks_without_building(restored, docker_engine):
    server = FakeKfp()
    try:
        submit = lambda: ok(make(restored, "--no-print-directory", "run-k8s", KFP_HOST=server.url))  # noqa: E731
        images = image_tags(docker_engine)
        first = submit()
        module, users = module_of_fewest_tasks(restored, spec_of(server, 0)["deploymentSpec"]["executors"])
        marker = f"edited-{uuid.uuid4().hex[:8]}"
        with open(module, "a") as f:
            f.write(f"\n# {marker}\n")
        second = submit()
    finally:
        server.close()
    assert "Building" not in first.stdout + second.stdout
    assert image_tags(docker_engine) == images  # nothing built, nothing tagged
    before, after = (spec_of(server, i)["deploymentSpec"]["executors"] for i in (0, 1))
    relative = module.relative_to(next(restored.glob("*-codebase"))).as_posix()
    assert {name for name in after if marker.encode() in carried(after)[name].get(relative, b"")} == users
    assert {name for name in before if before[name] != after[name]} == users
    assert "tasks bring their code" in second.stdout


def spec_of(server: FakeKfp, index: int) -> dict:
    return json.loads(server.api_requests("POST", "/runs")[index]["body"])["pipeline_spec"]


def test_make_run_docker_runs_an_edit_without_building_with_networking_off(restored, docker_engine, tmp_path):
    executors, _ = compiled(restored, "tasks.yaml")
    module, users = module_of_fewest_tasks(restored, executors)
    run = lambda: ok(make(restored, "--no-print-directory", "run-docker", "ARGS=--no-network",  # noqa: E731
                          PIPE_FICTION_OUTPUTS=str(tmp_path), timeout=900))  # fmt: skip
    run()  # builds the dependency image if this machine lacks it
    images = image_tags(docker_engine)
    marker = f"the edited line ran {uuid.uuid4().hex[:8]}"
    with open(module, "a") as f:
        f.write(f"\nprint({marker!r}, __file__)\n")
    done = run()
    assert "Building" not in done.stdout
    assert image_tags(docker_engine) == images
    # Printed by the tasks, from the code they carried (the run script may import it too, here).
    printed = [line.strip() for line in done.stdout.splitlines() if marker in line and "/app/" in line]
    relative = module.relative_to(next(restored.glob("*-codebase"))).as_posix()
    assert printed and all(line.endswith(f"/app/{relative}") for line in printed), done.stdout[-3000:]
    ran = {line.split()[0] for line in done.stdout.splitlines() if line.split()[1:2] == ["ran"]}
    assert ran and {f"exec-{task}" for task in ran} >= users


def test_make_debug_docker_stops_at_a_breakpoint_in_the_edited_module(restored, docker_engine, tmp_path):
    executors, _ = compiled(restored, "tasks.yaml")
    module, users = module_of_fewest_tasks(restored, executors)
    with open(module, "a") as f:
        f.write(f"\nedited_here = {uuid.uuid4().hex[:8]!r}\n")
    line = len(module.read_text().splitlines())
    task = sorted(users)[0].removeprefix("exec-")
    codebase = next(restored.glob("*-codebase"))
    env = clean_env(PIPE_FICTION_OUTPUTS=str(tmp_path))
    mappings = [{"localRoot": str(codebase), "remoteRoot": "/app"}]
    seen, frame = make_debug_stop(
        restored, ["debug-docker", f"TASK={task}"], env, free_port(), (module, line), mappings
    )
    assert "\nBuilding " not in f"\n{seen}"
    assert (frame["source"]["path"], frame["line"]) == (str(module), line)
