"""The Makefile's help lists every documented target, and `make clean` keeps the environments."""

import re
import subprocess

import pytest

from utils.common.paths import PIPELINES_DIR

ROOT = PIPELINES_DIR.parent
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def documented_targets():
    return re.findall(r"^([\w-]+):[^\n]*## ", (ROOT / "Makefile").read_text(), re.M)


def test_make_help_lists_every_documented_target():
    out = subprocess.run(["make", "help"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    listed = [line.split()[0] for line in ANSI.sub("", out).splitlines() if line.startswith("  ")]
    assert listed == documented_targets()
    assert {"run-k8s", "debug-k8s", "debug-subproc", "debug-docker", "test"} <= set(listed)


def test_make_clean_keeps_the_environments_bytecode(tmp_path):
    copy = tmp_path / "copy"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(copy)], check=True)
    venv_cache = copy / "pipelines" / ".venv" / "lib" / "site-packages" / "__pycache__"
    kfp_venv_cache = copy / "pipelines" / ".venv-kfp-2.7.0" / "lib" / "__pycache__"
    own_cache = copy / "pipelines" / "utils" / "__pycache__"
    for folder in (venv_cache, kfp_venv_cache, own_cache):
        folder.mkdir(parents=True)
        (folder / "m.cpython-311.pyc").write_bytes(b"")
    subprocess.run(["make", "-s", "clean"], cwd=copy, check=True, capture_output=True)
    assert venv_cache.is_dir() and kfp_venv_cache.is_dir()
    assert not own_cache.exists()


def make_with(tmp_path, *args, env=None, timeout=300):
    from utils.testing.repo_copies import clean_env

    extra = {"PIPE_FICTION_OUTPUTS": str(tmp_path / "out"), **(env or {})}
    return subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, capture_output=True, text=True,
                          env=clean_env(**extra), timeout=timeout)  # fmt: skip


FIXTURES = "PIPELINE=utils.tests.fixtures.pipelines"


@pytest.mark.parametrize(
    ("arguments", "env", "seen"),
    [
        (["run-subproc", FIXTURES, "ARGS=--count 1 --prefix '$(shell touch {marker})'"], {},
         "['$(shell touch {marker})0']"),
        (["debug-subproc", FIXTURES, "TASK=$(shell touch {marker})"], {}, "no task '$(shell touch {marker})'"),
        (["tasks", "PIPELINE=$(shell touch {marker})"], {}, "no pipeline module '$(shell touch {marker})'"),
        (["debug-subproc", FIXTURES, "TASK=make-words", "PORT=$(shell touch {marker})"], {},
         "--debug-port: expected a port number (1-65535), got '$(shell touch "),
        (["debug-subproc", FIXTURES, "TASK=make-words", "TIMEOUT=$(shell touch {marker})"], {},
         "--debug-timeout: expected a number of seconds above 0, got '$(shell touch "),
        (["debug-subproc", FIXTURES, "TASK=make-words", "DEBUGGER=$(shell touch {marker})"], {},
         "invalid choice: '$(shell touch {marker})'"),
        (["rename", "NAME=$(shell touch {marker})acme"], {}, "NAME='$(shell touch {marker})acme'"),
        (["tasks", FIXTURES], {"PIPE_FICTION_IMAGE": "x$(shell touch {marker})"}, "make-words"),
        (["tasks", FIXTURES, "IMAGE=x$(shell touch {marker})"], {}, "make-words"),
        (["debug-k8s", "RUN_ID=$(shell touch {marker})", "TASK=t", "PORT=1"], {"KUBECONFIG": "/nonexistent"},
         "no kubeconfig found"),
        (["compile", FIXTURES, "PIPELINE_YAML={tmp}/$(shell touch {marker}).yaml"], {},
         "{tmp}/$(shell touch {marker}).yaml"),
        (["tasks", "KFP_VERSION=$(shell touch {marker})"], {}, "KFP_VERSION must be a version number"),
        (["-n", "build-image", "BASE_IMAGE=$(shell touch {marker})", "EXTRA_CA_BUNDLE=$(shell touch {marker})"], {},
         "python3 -m utils.image.build"),  # which passes them on as list items (test_build.py)
        (["test-package", "PYTEST_ARGS=-k '$(shell touch {marker})' --collect-only -q"], {},
         "Wrong expression passed to '-k': $(shell touch {marker})"),
    ],
    ids=["ARGS", "TASK", "PIPELINE", "PORT", "TIMEOUT", "DEBUGGER", "NAME",
         "PIPE_FICTION_IMAGE", "IMAGE", "RUN_ID", "PIPELINE_YAML", "KFP_VERSION",
         "BASE_IMAGE-EXTRA_CA_BUNDLE", "PYTEST_ARGS"],
)  # fmt: skip
def test_no_user_variable_is_ever_expanded_by_make_and_each_arrives_verbatim(tmp_path, arguments, env, seen):
    marker = tmp_path / "pwned"
    fill = {"marker": marker, "tmp": tmp_path}
    done = make_with(
        tmp_path, *(a.format(**fill) for a in arguments), env={k: v.format(**fill) for k, v in env.items()}
    )
    assert not marker.exists(), done.stdout[-2000:] + done.stderr[-2000:]
    assert seen.format(**fill) in done.stdout + done.stderr, done.stdout[-2000:] + done.stderr[-2000:]
