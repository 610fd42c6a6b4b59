"""A course lab's pipeline in your files: idiomatic KFP passes lint, and your mistakes are one line.

The lab (``fixtures/projects/course_lab``) sweeps ``dsl.ParallelFor`` over dicts, gathers with
``dsl.Collected`` and nests ``dsl.Condition(flag == True)``, with list defaults for list inputs: what
kfp's documentation writes. Put into a copy's ``pipelines/``, ``ruff`` (the repository's rules)
accepts it; with a mistake kfp rejects, a run prints one line naming ``pipeline.py`` and the line.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from utils.kfp_seams.versions import kfp_version
from utils.tests.helpers.copies import clone

LAB = Path(__file__).parents[1] / "fixtures" / "projects" / "course_lab" / "pipelines"
RUFF = Path(sys.executable).parent / "ruff"


@pytest.fixture(scope="module")
def lab_copy(tmp_path_factory):
    """A copy of the repository whose components.py and pipeline.py are the lab's."""
    copy = clone(tmp_path_factory.mktemp("lab"))
    for name in ("components.py", "pipeline.py"):
        (copy / "pipelines" / name).write_text((LAB / name).read_text())
    return copy


def run(copy: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """The copy's run script, with this environment's Python (the lab needs no package of its own)."""
    env = {**os.environ, "PIPE_FICTION_OUTPUTS": str(tmp_path)}
    env.pop("PIPE_FICTION_PIPELINE", None)
    return subprocess.run([sys.executable, "run_locally_in_subproc.py", *args], cwd=copy / "pipelines", env=env,
                          capture_output=True, text=True, timeout=600)  # fmt: skip


@pytest.mark.skipif(not RUFF.is_file(), reason="needs ruff in this environment (make setup)")
def test_idiomatic_kfp_in_your_files_passes_the_repositorys_lint(lab_copy):
    for command in (["check", "--output-format", "concise"], ["format", "--check"]):
        done = subprocess.run([str(RUFF), *command, "pipelines/pipeline.py", "pipelines/components.py"],
                              cwd=lab_copy, capture_output=True, text=True)  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
    # The same code in the machinery would be refused: the rules are relaxed for your files only.
    strict = subprocess.run([str(RUFF), "check", "--isolated", "--select", "E712,B006", "pipelines/pipeline.py"],
                            cwd=lab_copy, capture_output=True, text=True)  # fmt: skip
    assert strict.returncode == 1 and "E712" in strict.stdout and "B006" in strict.stdout


@pytest.mark.skipif(kfp_version() < (2, 16), reason="kfp.local runs dsl.ParallelFor from kfp 2.16")
def test_the_lab_runs_locally_its_sweep_gathered_and_its_nested_conditions_taken(lab_copy, tmp_path):
    done = run(lab_copy, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert 'Output: "lr=0.1,depth=2' in done.stdout
    assert re.search(r"^announce\s+ran", done.stdout, re.M) and re.search(
        r"^train-config\[3\]\s+ran", done.stdout, re.M
    )


@pytest.mark.parametrize(
    ("mistake", "fixed", "message"),
    [
        ('    return best.outputs["name"]', "    return best.output", "AttributeError: The task has multiple outputs"),
        ('announce(name=best.outputs["name"])', 'announce(name=best.outputs["score"])',
         "InconsistentTypeException: Incompatible argument passed to the input 'name' of component 'announce'"),
    ],
    ids=["output-of-a-multi-output-task", "type-kfp-rejects"],
)  # fmt: skip
def test_a_mistake_in_your_pipeline_is_one_line_naming_your_file_and_line(lab_copy, tmp_path, mistake, fixed, message):
    pipeline = lab_copy / "pipelines" / "pipeline.py"
    original = pipeline.read_text()
    assert mistake in original
    pipeline.write_text(original.replace(mistake, fixed))
    try:
        done = run(lab_copy, tmp_path)
    finally:
        pipeline.write_text(original)
    line = next(i for i, text in enumerate(pipeline.read_text().splitlines(), 1) if mistake.strip() in text)
    first, *frames = done.stderr.strip().splitlines()
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert first.startswith(f"ERROR   pipelines/pipeline.py, line {line}: {message}"), done.stderr
    # Then only your frames: none of the machinery's, kfp's or importlib's.
    files = [m.group(1) for frame in frames if (m := re.match(r'\s+File "([^"]+)"', frame))]
    assert files and all(f.startswith(str(lab_copy / "pipelines")) and "/utils/" not in f for f in files), frames
