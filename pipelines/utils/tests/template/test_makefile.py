"""The Makefile's help lists every documented target, and `make clean` keeps the environments."""

import re
import subprocess

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
