"""Without Docker (no engine, not even a `docker` command) the Docker tests skip, saying why.

With PIPE_FICTION_REQUIRE_DOCKER=1 (CI, where an engine is always there) they fail instead.
"""

import os
import shutil
import subprocess
import sys

from utils.common.paths import PIPELINES_DIR
from utils.tests.helpers import free_port

DOCKER_TESTS = [
    "utils/tests/docker/test_runner.py::test_image_name_with_a_registry_port_and_no_tag_runs",
    "utils/tests/docker/test_run_script.py::test_missing_image_is_one_line_saying_make_build_image",
]


def run_docker_tests(tmp_path, require):
    bin_dir = tmp_path / "bin"  # a PATH with python and git, but no docker
    bin_dir.mkdir(exist_ok=True)
    for tool in ("git", "make"):
        if shutil.which(tool):
            (bin_dir / tool).symlink_to(shutil.which(tool))
    # Neither CI's requirement nor the outer run's pytest options (make passes PYTEST_ARGS as PYTEST_ADDOPTS).
    env = {k: v for k, v in os.environ.items() if k not in ("PIPE_FICTION_REQUIRE_DOCKER", "PYTEST_ADDOPTS")}
    env.update(PATH=str(bin_dir), DOCKER_HOST=f"tcp://127.0.0.1:{free_port()}")
    if require:
        env["PIPE_FICTION_REQUIRE_DOCKER"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", *DOCKER_TESTS],
        cwd=PIPELINES_DIR, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_docker_tests_skip_with_the_reason_when_there_is_no_docker(tmp_path):
    assert not shutil.which("docker", path=str(tmp_path / "bin"))
    done = run_docker_tests(tmp_path, require=False)
    assert done.returncode == 0, done.stdout[-2000:]
    assert "2 skipped" in done.stdout and "needs a Docker engine: no Docker engine answers" in done.stdout


def test_docker_tests_fail_instead_when_ci_requires_docker(tmp_path):
    done = run_docker_tests(tmp_path, require=True)
    assert done.returncode == 1 and "(PIPE_FICTION_REQUIRE_DOCKER is set)" in done.stdout
