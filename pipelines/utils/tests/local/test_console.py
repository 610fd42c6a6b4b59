"""kfp's own per-task lines stay behind --verbose; the task's own output always comes through."""

import io

import pytest

from utils.kfp_seams.versions import kfp_version
from utils.local.console import TaskOutputFilter
from utils.testing.scripts import run_script

KFP_LINES = [
    "    [KFP Executor 2026-12-01 00:08:22,897 INFO]: Looking for component `generate` in --component_module_path",
    "    [KFP Executor 2026-12-01 00:08:22,897 INFO]: Got executor_input:",
    "    {",
    '        "inputs": {"parameterValues": {"count": 3}}',
    "    }",
    "    [KFP Executor 2026-12-01 00:08:22,899 INFO]: Wrote executor output file to /tmp/x/executor_output.json.",
    "00:08:22.901 - INFO - Applying expression selector 'parseJson(string_value)[\"lr\"]' to parent value: {}",
    "00:08:22.902 - INFO - After expression selector: 0.1",
]


def test_the_filter_drops_kfps_lines_and_keeps_the_tasks_own():
    out = io.StringIO()
    stream = TaskOutputFilter(out)
    stream.write("\n".join([KFP_LINES[0], "    task says hello", *KFP_LINES[1:], "    task says bye", ""]))
    assert out.getvalue() == "    task says hello\n    task says bye\n"


def test_verbose_keeps_every_line():
    out = io.StringIO()
    TaskOutputFilter(out, verbose=True).write("\n".join([*KFP_LINES, ""]))
    assert out.getvalue() == "\n".join([*KFP_LINES, ""])


# A loop resolves its inputs with expression selectors (kfp.local runs loops from 2.16).
PIPELINE = "dict_loop_pipeline" if kfp_version() >= (2, 16) else "words_pipeline"


@pytest.mark.parametrize("verbose", [False, True], ids=["default", "verbose"])
def test_a_run_shows_kfps_executor_lines_only_with_verbose(tmp_path, verbose):
    args = ["--no-cache", "--verbose"] if verbose else ["--no-cache"]  # kfp logs selectors only when it runs them
    pipeline = f"utils.tests.fixtures.pipelines:{PIPELINE}"
    proc = run_script("run_locally_in_subproc.py", *args, PIPE_FICTION_PIPELINE=pipeline,
                      PIPE_FICTION_OUTPUTS=str(tmp_path))  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    shown = proc.stdout + proc.stderr
    kfp_lines = ["[KFP Executor", "Wrote executor output file", "Got executor_input"]
    if PIPELINE == "dict_loop_pipeline":
        kfp_lines += ["Applying expression selector", "After expression selector"]
    assert [line for line in kfp_lines if line in shown] == (kfp_lines if verbose else [])
    assert "Pipeline outputs:" in proc.stdout
