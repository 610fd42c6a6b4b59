"""The image tag fingerprints what the image is built from: a changed package is a new tag."""

import shutil
import subprocess

import kfp
import pytest
import yaml
from kfp import compiler, dsl

from utils.common.paths import PIPELINES_DIR
from utils.image import tag as image_tag
from utils.image.push import push_warning
from utils.image.task_image import task_image
from utils.tests.helpers.copies import clean_env

CODEBASE = image_tag.codebase()


@pytest.fixture
def codebase_copy(tmp_path):
    """A copy of the package's folder, to change without touching the work tree."""
    copy = tmp_path / CODEBASE.name
    shutil.copytree(CODEBASE, copy, ignore=shutil.ignore_patterns(".venv", "__pycache__", ".pytest_cache"))
    return copy


def package_module(folder):
    return sorted(p for p in folder.glob("*/*.py") if p.name != "__init__.py")[0]


def test_default_image_is_version_then_fingerprint_and_the_makefile_asks_the_same(monkeypatch):
    monkeypatch.delenv("PIPE_FICTION_IMAGE", raising=False)
    monkeypatch.delenv("PIPE_FICTION_SHIP_CODE", raising=False)
    image = task_image()
    name, tag = image.split(":")
    suffix = "" if kfp.__version__ == image_tag.locked_version("kfp") else f"-kfp{kfp.__version__}"
    assert name == CODEBASE.name.removesuffix("-codebase")
    assert tag == f"{image_tag._version_tag(kfp.__version__, CODEBASE)}-{image_tag.fingerprint(kfp.__version__)}"
    assert tag.startswith(f"{version()}{suffix}-")
    # The Makefile's recipes run the same script with the system python3 and the environment.
    env = clean_env(KFP_VERSION=kfp.__version__)
    asked = {
        flags: subprocess.run(
            ["python3", "-m", "utils.image.tag", *flags], cwd=PIPELINES_DIR, env=env, capture_output=True, text=True
        ).stdout.strip()
        for flags in [("--full",), ("--full", "--moving"), (), ("--moving",), ("--stage",)]
    }
    assert asked[("--full",)] == image
    assert asked[("--full", "--moving")] == f"{name}:{version()}{suffix}"
    # Runs use the dependency image: tasks bring their code.
    deps = image_tag.fingerprint(kfp.__version__, deps=True)
    assert asked[()] == f"{name}:{version()}{suffix}-deps-{deps}" == image_tag.default_image(kfp.__version__, deps=True)
    assert asked[("--moving",)] == f"{name}:{version()}{suffix}-deps"
    assert asked[("--stage",)] == "deps"
    off = subprocess.run(
        ["python3", "-m", "utils.image.tag", "--stage"], cwd=PIPELINES_DIR, capture_output=True, text=True,
        env={**env, "PIPE_FICTION_SHIP_CODE": "0"},
    )  # fmt: skip
    assert off.stdout.strip() == "full"


def version() -> str:
    text = (CODEBASE / "pyproject.toml").read_text()
    return next(line.split('"')[1] for line in text.splitlines() if line.startswith("version"))


def test_fingerprint_changes_with_a_source_line_the_lock_the_dockerfile_and_kfp(codebase_copy):
    before = image_tag.fingerprint(folder=codebase_copy)
    assert image_tag.fingerprint(folder=codebase_copy) == before  # stable
    changes = []
    for path in (package_module(codebase_copy), codebase_copy / "uv.lock", codebase_copy / "Dockerfile"):
        original = path.read_bytes()
        path.write_bytes(original + b"\n# a one-line change\n")
        changes.append(image_tag.fingerprint(folder=codebase_copy))
        path.write_bytes(original)
    assert before not in changes and len(set(changes)) == 3
    assert image_tag.fingerprint("0.0.1", folder=codebase_copy) != before
    assert image_tag.fingerprint(folder=codebase_copy) == before


def test_the_dependency_image_changes_with_the_lock_the_dockerfile_and_kfp_but_not_with_code(codebase_copy):
    before = image_tag.fingerprint(folder=codebase_copy, deps=True)
    module = package_module(codebase_copy)
    module.write_text(module.read_text() + "\n# a one-line change\n")
    (codebase_copy / "README.md").write_text("changed\n")
    assert image_tag.fingerprint(folder=codebase_copy, deps=True) == before
    changes = []
    for path in (codebase_copy / "uv.lock", codebase_copy / "pyproject.toml", codebase_copy / "Dockerfile"):
        original = path.read_bytes()
        path.write_bytes(original + b"\n# a one-line change\n")
        changes.append(image_tag.fingerprint(folder=codebase_copy, deps=True))
        path.write_bytes(original)
    assert before not in changes and len(set(changes)) == 3
    assert image_tag.fingerprint("0.0.1", folder=codebase_copy, deps=True) != before
    assert image_tag.fingerprint(folder=codebase_copy, deps=True) != image_tag.fingerprint(folder=codebase_copy)


def test_fingerprint_ignores_what_never_reaches_the_image(codebase_copy):
    before = image_tag.fingerprint(folder=codebase_copy)
    (codebase_copy / "tests" / "test_new.py").write_text("def test_x(): pass\n")
    cache = package_module(codebase_copy).parent / "__pycache__"
    cache.mkdir(exist_ok=True)
    (cache / "x.cpython-311.pyc").write_bytes(b"\0")
    (codebase_copy / ".venv").mkdir(exist_ok=True)
    (codebase_copy / ".venv" / "marker").write_text("x")
    assert image_tag.fingerprint(folder=codebase_copy) == before


def test_fingerprint_changes_with_the_base_image_and_the_extra_ca_bundle(codebase_copy, tmp_path):
    bundle = tmp_path / "proxy-ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    plain = image_tag.fingerprint(folder=codebase_copy, env={})
    other_base = image_tag.fingerprint(folder=codebase_copy, env={"BASE_IMAGE": "python:3.11-slim"})
    with_ca = image_tag.fingerprint(folder=codebase_copy, env={"EXTRA_CA_BUNDLE": str(bundle)})
    bundle.write_text(bundle.read_text() + "# another CA\n")
    other_ca = image_tag.fingerprint(folder=codebase_copy, env={"EXTRA_CA_BUNDLE": str(bundle)})
    assert len({plain, other_base, with_ca, other_ca}) == 4
    # The Dockerfile's own default base counts as that base, given or not.
    default = image_tag.default_base_image(codebase_copy)
    assert image_tag.fingerprint(folder=codebase_copy, env={"BASE_IMAGE": default}) == plain


def test_fingerprint_covers_a_nested_tests_folder_that_the_image_receives(codebase_copy):
    before = image_tag.fingerprint(folder=codebase_copy)
    nested = package_module(codebase_copy).parent / "tests"
    nested.mkdir(exist_ok=True)
    (nested / "test_inside.py").write_text("def test_y(): pass\n")  # COPY pipe_fiction/ takes it along
    assert image_tag.fingerprint(folder=codebase_copy) != before


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("name:tag", "name:tag"),
        ("ghcr.io/me/name@sha256:" + "a" * 64, "ghcr.io/me/name@sha256:" + "a" * 64),
        ("localhost:5000/name:dev", "localhost:5000/name:dev"),
    ],
)
def test_an_image_with_a_tag_is_used_as_given(given, expected):
    assert image_tag.resolve(given) == expected


def test_an_image_without_a_tag_gets_the_fingerprinted_one():
    default = image_tag.default_image()
    assert image_tag.resolve("ghcr.io/me/name") == "ghcr.io/me/name:" + default.split(":", 1)[1]
    assert image_tag.resolve("localhost:5000/name").startswith("localhost:5000/name:")
    assert image_tag.without_fingerprint(default) == image_tag.default_image(moving=True)
    assert image_tag.without_fingerprint("name:dev") == "name:dev"


def test_registry_is_read_from_the_first_path_part():
    assert image_tag.registry("ghcr.io/me/name:1") == "ghcr.io"
    assert image_tag.registry("localhost:5000/name:1") == "localhost:5000"
    assert image_tag.registry("me/name:1") is None
    assert image_tag.registry("name:1") is None


def test_the_compiled_pipeline_names_the_fingerprinted_image(tmp_path, monkeypatch):
    monkeypatch.delenv("PIPE_FICTION_IMAGE", raising=False)  # as components see it on a fresh clone

    @dsl.component(base_image=task_image(), install_kfp_package=False)
    def step() -> int:
        return 1

    @dsl.pipeline(name="one-step")
    def one_step():
        step()

    path = tmp_path / "compiled.yaml"
    compiler.Compiler().compile(pipeline_func=one_step, package_path=str(path))
    executors = yaml.safe_load(path.read_text())["deploymentSpec"]["executors"]
    assert {e["container"]["image"] for e in executors.values()} == {image_tag.default_image(kfp.__version__)}
    assert image_tag.without_fingerprint(task_image()) != task_image()


def test_push_image_refuses_a_name_without_registry():
    done = subprocess.run(
        ["make", "-s", "push-image", "IMAGE=just-a-name"], cwd=PIPELINES_DIR.parent, env=clean_env(),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode != 0
    assert "names no registry" in done.stderr and "IMAGE=<registry>/<name>" in done.stderr


def test_run_k8s_warns_that_a_local_image_name_cannot_be_pulled():
    warning = push_warning("pipe-fiction:0.1.0-0123456789ab")
    assert "names no registry" in warning and "make push-image" in warning


def test_run_k8s_warns_that_an_image_never_pushed_from_here_may_be_missing(docker_engine):
    warning = push_warning("registry.invalid/me/never-built:0.1.0-0123456789ab")
    assert "not on this machine" in warning and "make push-image" in warning


def test_run_k8s_warns_that_a_built_but_unpushed_image_is_not_in_the_registry(docker_engine, task_image):
    name = "registry.invalid/me/pipe-fiction-test:unpushed"
    docker_engine.images.get(task_image).tag(name)
    try:
        warning = push_warning(name)
    finally:
        docker_engine.images.remove(name)
    assert "has not been pushed from this machine" in warning
