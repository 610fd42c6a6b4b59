"""The README's worked example of "Make it yours" runs as printed.

Its code blocks (each opening with a ``# <path>`` comment) go where their comment says, in a copy
of the repository; the run the README shows then prints what the README says it prints.
"""

import os
import re
import subprocess
import sys

import pytest

from utils.tests.helpers.copies import ROOT, clone

SECTION = ROOT.joinpath("README.md").read_text().split("## Make it yours", 1)[1].split("\n## ", 1)[0]
BLOCKS = re.findall(r"```python\n# (\S+)\n(.*?)```", SECTION, re.S)


def test_the_section_has_a_package_module_components_and_a_pipeline():
    paths = [path for path, _ in BLOCKS]
    assert "pipelines/components.py" in paths and "pipelines/pipeline.py" in paths
    assert any(re.match(r"[\w-]+-codebase/\w+/\w+\.py$", path) for path in paths)


@pytest.fixture(scope="module")
def example_copy(tmp_path_factory):
    copy = clone(tmp_path_factory.mktemp("readme"))
    for path, code in BLOCKS:
        (copy / path).write_text(code)
    return copy


def test_the_run_it_shows_prints_what_it_says(example_copy, tmp_path):
    command = next(line for line in SECTION.splitlines() if line.startswith("make run-subproc ARGS="))
    args, expected = re.match(r"make run-subproc ARGS=\"(.*?)\"\s+# report: \"(.*)\"", command).groups()
    sentence = re.match(r"--sentence '(.*)'$", args).group(1)
    # This environment's Python, with the copy's package first on the path (the tasks inherit it).
    codebase = next(example_copy.glob("*-codebase"))
    env = {**os.environ, "PYTHONPATH": str(codebase), "PIPE_FICTION_OUTPUTS": str(tmp_path)}
    env.pop("PIPE_FICTION_PIPELINE", None)
    script = [sys.executable, "run_locally_in_subproc.py", "--sentence", sentence]
    done = subprocess.run(script, cwd=example_copy / "pipelines", env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Pipeline outputs: none" in done.stdout
    (report,) = tmp_path.glob("*/save-longest/report")
    assert report.read_text() == expected


def test_a_required_input_missing_is_said_in_one_line(example_copy):
    env = {**os.environ}
    env.pop("PIPE_FICTION_PIPELINE", None)
    done = subprocess.run([sys.executable, "run_locally_in_subproc.py"], cwd=example_copy / "pipelines", env=env,
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 2 and "the following arguments are required: --sentence" in done.stderr
