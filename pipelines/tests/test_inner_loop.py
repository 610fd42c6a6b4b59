"""The inner loop on the demo: edit the processing module, and the next runs use the edit at once.

Docker runs build the image of the edited tree (its tag is new) and reuse the generate task,
which does not import the edited module; a run after no change builds nothing and reruns nothing.
"""

from utils.testing.scripts import task_outcomes
from utils.tests.helpers.copies import built_images, clone, forget_images, make, ok, once_on_the_locked_kfp

MARKER = "the edited processing module ran"


@once_on_the_locked_kfp(also_in_copies=False)
def test_an_edit_reaches_docker_and_subprocess_runs_and_reruns_only_the_tasks_importing_it(
    tmp_path, docker_engine, task_image
):
    copy = clone(tmp_path)
    for target in ("run-docker", "run-subproc"):
        ok(make(copy, target))
    module = copy / "pipe-fiction-codebase" / "pipe_fiction" / "data_processor.py"
    module.write_text(module.read_text() + f"\nprint({MARKER!r})\n")
    edited_images = []
    try:
        docker = ok(make(copy, "run-docker"))
        edited_images = built_images(docker.stdout)
        assert edited_images, docker.stdout[-2000:]
        subprocess_run = ok(make(copy, "run-subproc"))
        for run in (docker, subprocess_run):
            assert MARKER in run.stdout
            assert task_outcomes(run.stdout) == {"generate-data": "reused", "process-data": "ran",
                                                 "summarize-data": "ran"}  # fmt: skip
        again = ok(make(copy, "run-docker"))
        assert "Building" not in again.stdout
        assert set(task_outcomes(again.stdout).values()) == {"reused"}
    finally:
        forget_images(docker_engine, edited_images, task_image)
