"""The GitHub workflows mirror make test and stay valid (make lint checks them against the schema)."""

import re
import subprocess
import sys
from pathlib import Path

import yaml

from utils.common.paths import PIPELINES_DIR

ROOT = PIPELINES_DIR.parent
WORKFLOWS = ROOT / ".github" / "workflows"


def workflow(name):
    return yaml.safe_load((WORKFLOWS / name).read_text())


def make_targets(job):
    return [m for step in job["steps"] for m in re.findall(r"make ([\w-]+)", step.get("run", ""))]


def test_ci_runs_what_make_test_all_runs_on_both_kfp_ends():
    jobs = workflow("ci.yml")["jobs"]
    assert make_targets(jobs["lint"]) == ["lint"]
    test = jobs["test"]
    assert test["strategy"]["matrix"]["kfp"] == ["", "2.7.0"]
    assert test["env"]["KFP_VERSION"] == "${{ matrix.kfp }}"
    assert test["env"]["PIPE_FICTION_REQUIRE_DOCKER"] == "1"
    assert make_targets(test) == ["setup", "test-package", "build-image", "test-pipelines", "test-machinery"]
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^test: test-package test-pipelines ", makefile, re.M)
    assert re.search(r"^test-all: test-package test-pipelines test-machinery ", makefile, re.M)
    assert "sync --locked" in makefile


def test_ci_runs_the_docker_layer_on_every_kfp_minor_from_2_7():
    job = workflow("ci.yml")["jobs"]["docker-layer"]
    minors = sorted({tuple(map(int, v.split(".")[:2])) for v in job["strategy"]["matrix"]["kfp"]})
    assert minors == [(2, minor) for minor in range(7, 18)]
    assert job["env"]["KFP_VERSION"] == "${{ matrix.kfp }}" and make_targets(job) == ["test-docker-layer"]


def test_workflows_pass_actionlint():
    # actionlint checks the schema, the expressions, and that no action runs on a retired runtime.
    done = subprocess.run([str(Path(sys.executable).parent / "actionlint")], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_ci_caches_uv_downloads_in_every_job():
    for job in workflow("ci.yml")["jobs"].values():
        setup = next(s for s in job["steps"] if s.get("uses", "").startswith("astral-sh/setup-uv"))
        assert setup["with"]["enable-cache"] is True


def test_release_pushes_the_fingerprinted_and_the_version_tags_through_make():
    job = workflow("release.yml")["jobs"]["image"]
    script = "\n".join(step.get("run", "") for step in job["steps"])
    assert "pyproject.toml" in script and "make push-image IMAGE=" in script
    # The name has no tag: make gives it <version>-deps-<fingerprint> and <version>-deps.
    assert ':${version}"' not in script
    login = next(s for s in job["steps"] if s.get("uses", "").startswith("docker/login-action"))
    assert "secrets.REGISTRY_PASSWORD" in login["with"]["password"]


def test_e2e_workflow_submits_to_a_kind_cluster_and_waits():
    job = workflow("e2e-kind.yml")["jobs"]["e2e"]
    assert any(s.get("uses", "").startswith("helm/kind-action") for s in job["steps"])
    script = "\n".join(step.get("run", "") for step in job["steps"])
    assert "kind load docker-image" in script and "make run-k8s" in script and "--wait" in script
