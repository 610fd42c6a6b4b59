"""make rename: refuses bad names, dirty trees and shell text; a renamed copy keeps no old name and works."""

import contextlib
import re
import subprocess
import uuid

import pytest

from utils.common.paths import PIPELINES_DIR
from utils.dev.rename import MAX_LENGTH, RenameError, check_name, rename, ruff_tidy, spellings
from utils.tests.helpers import copies
from utils.tests.helpers.copies import clone, ok

ROOT = PIPELINES_DIR.parent
OLD = ROOT.glob("*-codebase").__next__().name.removesuffix("-codebase")
# The longest name allowed, so that the lint tests see the longest lines a rename can make;
# differs from the current name, also in a renamed copy.
NEW = next(name for name in ("acme-machine-learning-platform-x", "zeta-machine-learning-platform-x") if name != OLD)
OLD_PATTERN = re.compile("|".join(re.escape(v) for v in spellings(OLD).values()))


RENAME = (spellings(OLD)["upper"] + "_", spellings(NEW)["upper"] + "_")


def make(copy, *args, **kwargs):
    """make in a (soon) renamed copy: this project's variables carry the new name."""
    return copies.make(copy, *args, rename=RENAME, **kwargs)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Acme", "lowercase words joined by hyphens"),
        ("1acme", "lowercase words joined by hyphens"),
        ("acme_ml", "lowercase words joined by hyphens"),
        ("acme--ml", "lowercase words joined by hyphens"),
        ("import", "shadow a Python keyword or module"),
        ("json", "shadow a Python keyword or module"),
        (OLD, "already called"),
        ("a" * (MAX_LENGTH + 1), f"at most {MAX_LENGTH} characters"),
    ],
)
def test_bad_names_are_refused(name, message):
    with pytest.raises(RenameError, match=message):
        check_name(name, OLD)


def test_the_longest_name_leaves_every_line_lint_clean(tmp_path):
    assert len(NEW) == MAX_LENGTH
    copy = clone(tmp_path)
    ruff = str(PIPELINES_DIR / ".venv" / "bin" / "ruff")
    rename(copy, NEW, relock=None, tidy=ruff_tidy(ruff))
    for command in (["check", "--output-format", "concise"], ["format", "--check"]):
        done = subprocess.run([ruff, *command, "."], cwd=copy, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-1000:]


def test_spellings_cover_every_form():
    assert spellings("acme-ml") == {"kebab": "acme-ml", "snake": "acme_ml", "upper": "ACME_ML", "pascal": "AcmeMl"}


def test_refusals_leave_the_tree_untouched(tmp_path):
    copy = clone(tmp_path)
    bad = make(copy, "-s", "rename", "NAME=Bad_Name")
    assert bad.returncode != 0 and "lowercase words joined by hyphens" in bad.stderr
    (copy / "README.md").write_text("edited\n")
    dirty = make(copy, "-s", "rename", f"NAME={NEW}")
    assert dirty.returncode != 0 and "uncommitted changes" in dirty.stderr
    assert (copy / f"{OLD}-codebase").is_dir()
    status = subprocess.run(["git", "status", "--porcelain"], cwd=copy, capture_output=True, text=True).stdout
    assert status.split() == ["M", "README.md"]


def git_status(copy):
    return subprocess.run(["git", "status", "--porcelain"], cwd=copy, capture_output=True, text=True).stdout


@pytest.mark.parametrize(
    "template", ["x; touch {marker}", "$(touch {marker})", "`touch {marker}`", "x' ; touch {marker} '"]
)
def test_shell_text_in_the_name_runs_nothing_and_changes_nothing(tmp_path, template):
    copy = clone(tmp_path)
    marker = tmp_path / "PWNED"
    bad = make(copy, "-s", "rename", "NAME=" + template.format(marker=marker))
    # make itself reads "$(...)" as a (empty) variable: refused as a missing name, also run by no shell.
    assert bad.returncode != 0 and re.search("lowercase words joined by hyphens|Give the new name", bad.stderr)
    assert not marker.exists()
    assert git_status(copy) == ""


def test_a_failure_midway_puts_the_tree_back(tmp_path):
    copy = clone(tmp_path)

    def failing_relock(root):
        assert (root / f"{NEW}-codebase").is_dir()  # midway: files rewritten, folders moved
        raise RenameError("'uv lock' failed in pipelines: no network")

    with pytest.raises(RenameError, match="the tree is back as it was"):
        rename(copy, NEW, relock=failing_relock)
    assert (copy / f"{OLD}-codebase" / spellings(OLD)["snake"]).is_dir()
    assert not (copy / f"{NEW}-codebase").exists()
    assert git_status(copy) == ""


ON_LOCKED_KFP = copies.once_on_the_locked_kfp()
FIXTURES = "utils.tests.fixtures.pipelines"


@pytest.fixture(scope="module")
def renamed_copy(tmp_path_factory):
    """A fresh clone renamed to NEW (the README's first step) and committed, its environments set up."""
    copy = clone(tmp_path_factory.mktemp("rename"))
    ok(make(copy, "rename", f"NAME={NEW}"))
    subprocess.run(["git", "add", "-A"], cwd=copy, check=True)
    identity = ["-c", "user.name=test", "-c", "user.email=test@example.com"]
    subprocess.run(["git", *identity, "commit", "--quiet", "-m", f"Rename to {NEW}"], cwd=copy, check=True)
    ok(make(copy, "setup"))
    return copy


@ON_LOCKED_KFP
def test_renamed_copy_keeps_no_old_name(renamed_copy):
    modules = sorted(p.name for p in (ROOT / f"{OLD}-codebase" / spellings(OLD)["snake"]).glob("*.py"))
    moved = sorted(p.name for p in (renamed_copy / f"{NEW}-codebase" / spellings(NEW)["snake"]).glob("*.py"))
    assert moved == modules and "__init__.py" in moved
    tracked = subprocess.run(["git", "ls-files"], cwd=renamed_copy, capture_output=True, text=True, check=True).stdout
    leftovers = [path for path in tracked.splitlines() if OLD_PATTERN.search(path)]
    for path in tracked.splitlines():
        try:
            if OLD_PATTERN.search((renamed_copy / path).read_text()):
                leftovers.append(path)
        except UnicodeDecodeError:
            pass
    assert leftovers == []


@ON_LOCKED_KFP
def test_renamed_copy_lints_clean(renamed_copy):
    ok(make(renamed_copy, "lint"))


def test_renamed_copy_imports_compiles_runs_and_passes_its_package_tests(renamed_copy):
    ok(make(renamed_copy, "test-package", "PYTEST_ARGS=-q -p no:cacheprovider"))
    yaml_path = renamed_copy / "compiled.yaml"
    ok(make(renamed_copy, "compile", f"PIPELINE_YAML={yaml_path}"))  # its own pipeline, whatever it is
    assert f"image: {NEW}:" in yaml_path.read_text()
    # Runs use the tests' own pipeline: this test must not depend on the demo users replace.
    run = ok(make(renamed_copy, "run-subproc", f"PIPELINE={FIXTURES}", "ARGS=--count 3"))
    assert "Pipeline outputs:" in run.stdout and "    lines  3" in run.stdout


def test_the_copy_never_sees_the_image_the_outer_make_was_given(tmp_path, monkeypatch):
    # `make test IMAGE=mine:tag` exports IMAGE to the tests; a nested make would build over it.
    monkeypatch.setenv("IMAGE", "users-own-image:tag")
    monkeypatch.setenv("PIPE_FICTION_IMAGE", "users-own-image:tag")
    dry_run = ok(make(clone(tmp_path), "-n", "build-image"))
    assert "users-own-image" not in dry_run.stdout


@ON_LOCKED_KFP
def test_renamed_copy_image_builds_and_runs_under_its_own_tag(renamed_copy, docker_engine):
    tag = f"{NEW}:rename-test-{uuid.uuid4().hex[:8]}"
    outer = {image.id: image.tags for image in docker_engine.images.list()}
    try:
        ok(make(renamed_copy, "build-image", f"IMAGE={tag}"))
        run = ok(make(renamed_copy, "run-docker", f"IMAGE={tag}", f"PIPELINE={FIXTURES}", "ARGS=--count 2"))
        assert "Pipeline outputs:" in run.stdout and "    lines  2" in run.stdout
    finally:
        with contextlib.suppress(Exception):
            docker_engine.images.remove(tag, force=True)
    # Every tag that existed before points at the same image as before.
    after = {tag: image.id for image in docker_engine.images.list() for tag in image.tags}
    assert all(after.get(t) == image_id for image_id, tags in outer.items() for t in tags)
