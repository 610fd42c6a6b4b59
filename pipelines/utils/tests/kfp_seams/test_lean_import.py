"""Canary: a local run imports kfp without its cluster client, and still gets all of dsl and local."""

import os
import subprocess
import sys

from utils.common.paths import PIPELINES_DIR

PROBE = """
import os, sys
from utils.kfp_seams.lean_import import import_kfp_without_cluster_client, VARIABLE
import_kfp_without_cluster_client()
from kfp import dsl, local
assert VARIABLE not in os.environ, "the variable leaked"
assert "kfp.client" not in sys.modules and "kubernetes" not in sys.modules, "kfp imported its client"
assert all(hasattr(dsl, name) for name in ("component", "pipeline", "container_component", "Output", "If"))
assert hasattr(local, "SubprocessRunner")
import kfp.client
assert kfp.client.Client is not None
print("ok")
"""


def test_the_kfp_package_imports_bare_and_its_sub_packages_whole():
    env = {k: v for k, v in os.environ.items() if k != "_KFP_RUNTIME"}
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=PIPELINES_DIR, env=env, capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_a_run_script_imports_no_cluster_client():
    probe = "import sys, run_locally_in_subproc; print('kfp.client' in sys.modules, 'kubernetes' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], cwd=PIPELINES_DIR, capture_output=True, text=True)
    assert done.stdout.split() == ["False", "False"], done.stderr[-2000:]


def test_an_earlier_import_of_kfp_is_left_as_it_is():
    probe = (
        "import kfp, os\nfrom utils.kfp_seams.lean_import import import_kfp_without_cluster_client\n"
        "import_kfp_without_cluster_client()\nimport sys\n"
        "print('kfp.client' in sys.modules, '_KFP_RUNTIME' in os.environ)"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=PIPELINES_DIR, capture_output=True, text=True)
    assert done.stdout.split() == ["True", "False"], done.stderr[-2000:]
