"""A port the run needs is checked first: taken, or privileged, each said in its own words."""

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from utils.common.errors import PortInUseError
from utils.common.paths import PIPELINES_DIR
from utils.common.ports import ensure_free

PRIVILEGED = 80


def test_a_taken_port_is_named():
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        with pytest.raises(PortInUseError, match=f"host port {port} is already in use"):
            ensure_free(port)


def test_a_privileged_port_as_a_user_is_said_to_need_privileges_not_to_be_in_use():
    if os.geteuid() != 0:
        with pytest.raises(PortInUseError) as caught:
            ensure_free(PRIVILEGED)
        message = str(caught.value)
    else:
        message = check_as_an_unprivileged_user()
    assert f"host port {PRIVILEGED} needs privileges" in message and "already in use" not in message


def check_as_an_unprivileged_user() -> str:
    """As root (CI), the check runs in a child switched to nobody, on a copy of the modules nobody can read."""
    interpreter = shutil.which("python3", path="/usr/bin:/bin")
    if interpreter is None:
        pytest.skip("needs a system python3 an unprivileged user can run")
    folder = Path(tempfile.mkdtemp(dir="/tmp"))
    try:
        for module in ("__init__.py", "common/__init__.py", "common/errors.py", "common/ports.py"):
            (folder / "utils" / module).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(PIPELINES_DIR / "utils" / module, folder / "utils" / module)
        for path in [folder, *folder.rglob("*")]:
            path.chmod(0o755)
        code = f"from utils.common.ports import ensure_free; ensure_free({PRIVILEGED})"
        done = subprocess.run([interpreter, "-c", code], cwd=folder, capture_output=True, text=True, user=65534,
                              group=65534, env={"PATH": "/usr/bin:/bin"})  # fmt: skip
    finally:
        shutil.rmtree(folder)
    assert done.returncode != 0, done.stdout
    return done.stderr.strip().splitlines()[-1]
