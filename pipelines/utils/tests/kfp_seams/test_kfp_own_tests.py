"""kfp's own tests of its Docker handler still pass with this template's patches applied.

kfp ships them inside the installed package (``kfp/local/*_test.py``). They run twice, with and
without ``utils/tests/helpers/kfp_patched.py``: the patches may break only the tests that assert the
``auto_remove=True`` that is itself the bug (kubeflow/pipelines#13332).
"""

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import kfp
import pytest

from utils.common.paths import PIPELINES_DIR

pytestmark = pytest.mark.docker

KFP_LOCAL = Path(kfp.__file__).parent / "local"
SUITES = [KFP_LOCAL / name for name in ("docker_task_handler_test.py", "config_test.py")]


def failures(tmp_path: Path, *plugin: str) -> dict[str, str]:
    """Runs kfp's suites in a fresh interpreter; returns failing test id -> failure text."""
    report = tmp_path / f"report{len(plugin)}.xml"
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "ignore", *plugin,
         f"--junitxml={report}", *map(str, SUITES)],
        cwd=tmp_path, env={"PYTHONPATH": str(PIPELINES_DIR), "PATH": "/usr/bin:/bin", "TMPDIR": str(tmp_path)},
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    cases = ET.parse(report).getroot().iter("testcase")
    found = {}
    for case in cases:
        for problem in [*case.iter("failure"), *case.iter("error")]:
            found[f"{case.get('classname')}.{case.get('name')}"] = (problem.get("message") or "") + (problem.text or "")
    return found


@pytest.mark.skipif(not SUITES[0].exists(), reason="this kfp ships no docker_task_handler_test.py")
def test_kfp_docker_handler_tests_pass_with_the_patches_but_for_the_auto_remove_bug(tmp_path):
    pytest.importorskip("absl", reason="kfp's own tests need absl-py (a dev dependency)")
    before = failures(tmp_path)
    after = failures(tmp_path, "-p", "utils.tests.helpers.kfp_patched")
    broken = {test: text for test, text in after.items() if test not in before}
    assert all("auto_remove=True" in text for text in broken.values()), list(broken)
    assert len(broken) <= 3, list(broken)
