"""make rename: refuses bad names and dirty trees; a renamed copy keeps no old name and passes make test."""

import os
import re
import subprocess

import kfp
import pytest

from rename_project import RenameError, check_name, spellings
from tests.conftest import PIPELINES_DIR

ROOT = PIPELINES_DIR.parent
OLD = ROOT.glob("*-codebase").__next__().name.removesuffix("-codebase")
NEW = "acme-ml" if OLD != "acme-ml" else "zeta-ml"  # differs from the current name, also in a renamed copy
OLD_PATTERN = re.compile("|".join(re.escape(v) for v in spellings(OLD).values()))


def clone(tmp_path):
    """A clone of this repository's HEAD, as a user's fresh copy."""
    target = tmp_path / "copy"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(target)], check=True)
    return target


def clean_env(**extra):
    """The environment for a nested make: no outer make's flags, this project's variables renamed."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    env.update(extra)
    prefix = spellings(OLD)["upper"] + "_"
    for key in [k for k in env if k.startswith(prefix)]:
        env[key.replace(prefix, spellings(NEW)["upper"] + "_")] = env.pop(key)
    return env


def make(copy, *args, timeout=300, **extra):
    """Runs make in the copy as a user would, in a clean environment."""
    return subprocess.run(
        ["make", *args], cwd=copy, capture_output=True, text=True, env=clean_env(**extra), timeout=timeout
    )


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
    ],
)
def test_bad_names_are_refused(name, message):
    with pytest.raises(RenameError, match=message):
        check_name(name, OLD)


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


def locked_kfp() -> str:
    lock = (PIPELINES_DIR / "uv.lock").read_text()
    return re.search(r'name = "kfp"\nversion = "([^"]+)"', lock).group(1)


@pytest.mark.skipif(kfp.__version__ != locked_kfp(), reason=f"runs once, on the locked kfp {locked_kfp()}")
@pytest.mark.skipif(
    os.environ.get("PIPE_FICTION_INSIDE_RENAMED_COPY") == "1", reason="this run is the renamed copy's own make test"
)
def test_renamed_copy_has_no_old_name_and_passes_make_test(tmp_path):
    copy = clone(tmp_path)
    done = make(copy, "rename", f"NAME={NEW}")
    assert done.returncode == 0, done.stderr[-2000:]
    assert (copy / f"{NEW}-codebase" / spellings(NEW)["snake"] / "data_processor.py").is_file()
    subprocess.run(["git", "add", "-A"], cwd=copy, check=True)
    identity = ["-c", "user.name=test", "-c", "user.email=test@example.com"]
    subprocess.run(["git", *identity, "commit", "--quiet", "-m", f"Rename to {NEW}"], cwd=copy, check=True)
    tracked = subprocess.run(["git", "ls-files"], cwd=copy, capture_output=True, text=True, check=True).stdout
    leftovers = [path for path in tracked.splitlines() if OLD_PATTERN.search(path)]
    for path in tracked.splitlines():
        file = copy / path
        try:
            if OLD_PATTERN.search(file.read_text()):
                leftovers.append(path)
        except UnicodeDecodeError:
            pass
    assert leftovers == []
    test = make(copy, "test", "PYTEST_ARGS=-q -p no:cacheprovider", timeout=1200, PIPE_FICTION_INSIDE_RENAMED_COPY="1")
    subprocess.run(["docker", "image", "rm", f"{NEW}:0.1.0"], capture_output=True)
    failures = [line for line in test.stdout.splitlines() if line.startswith(("FAILED", "ERROR", "E  "))]
    assert test.returncode == 0, "\n".join(failures[:40]) or (test.stdout + test.stderr)[-3000:]
    assert re.search(r"\d+ passed", test.stdout)
