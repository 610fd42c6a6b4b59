"""Docker runs reuse a task only while what it reads is the same: the data folder, and a user's own image tag."""

import io
import uuid

import pytest

from utils.local.reuse import supported
from utils.testing.scripts import run_script, task_outcomes

pytestmark = pytest.mark.skipif(not supported(), reason="kfp.local reuses tasks from 2.17")


DATA_PIPELINE = "utils.tests.fixtures.reuse_pipeline:data_pipeline"


def run_docker(tmp_path, *args, **env):
    outputs = str(tmp_path / "out")
    proc = run_script(
        "run_locally_in_docker.py", *args, PIPE_FICTION_PIPELINE=DATA_PIPELINE, PIPE_FICTION_OUTPUTS=outputs, **env
    )
    assert proc.returncode == 0, proc.stderr[-2000:] + proc.stdout[-2000:]
    output = next(line for line in proc.stdout.splitlines() if line.startswith("  Output: "))
    return task_outcomes(proc.stdout)["data-step"], output.removeprefix("  Output: ").strip('"')


def data_folder(tmp_path, name, text):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "value.txt").write_text(text)
    return folder


def test_switching_the_data_folder_reruns_the_task_that_reads_it(tmp_path, task_image):
    first, second = data_folder(tmp_path, "first", "one\n"), data_folder(tmp_path, "second", "two\n")
    assert run_docker(tmp_path, "--data-dir", str(first)) == ("ran", "one")
    assert run_docker(tmp_path, "--data-dir", str(second)) == ("ran", "two")
    assert run_docker(tmp_path, "--data-dir", str(first)) == ("reused", "one")


def test_an_image_rebuilt_under_the_users_own_tag_is_never_served_an_older_result(tmp_path, task_image, docker_engine):
    folder = data_folder(tmp_path, "data", "same\n")
    mine = f"pipe-fiction-test:mine-{uuid.uuid4().hex[:8]}"
    docker_engine.images.get(task_image).tag(mine)
    try:
        assert run_docker(tmp_path, "--data-dir", str(folder), PIPE_FICTION_IMAGE=mine) == ("ran", "same")
        assert run_docker(tmp_path, "--data-dir", str(folder), PIPE_FICTION_IMAGE=mine)[0] == "reused"
        rebuilt = f"FROM {task_image}\nLABEL rebuilt={uuid.uuid4().hex}\n".encode()
        docker_engine.images.build(fileobj=io.BytesIO(rebuilt), tag=mine, rm=True)
        assert run_docker(tmp_path, "--data-dir", str(folder), PIPE_FICTION_IMAGE=mine)[0] == "ran"
    finally:
        docker_engine.images.remove(mine, force=True)
