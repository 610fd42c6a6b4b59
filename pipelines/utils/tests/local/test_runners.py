"""One command line for every runner: an argument naming a file of this machine works in Docker runs too."""

import pytest

from utils.testing.scripts import assert_one_line_error, run_script

PIPELINE = "utils.tests.fixtures.pipelines:host_path_pipeline"


def run(script, tmp_path, *args):
    return run_script(script, *args, PIPE_FICTION_PIPELINE=PIPELINE, PIPE_FICTION_OUTPUTS=str(tmp_path / "out"))


@pytest.fixture
def host_file(tmp_path):
    folder = tmp_path / "host data"
    folder.mkdir()
    (folder / "train.csv").write_text("from the host\n")
    (folder / "other.csv").write_text("not named by any argument\n")
    return folder / "train.csv"


@pytest.mark.parametrize("script", ["run_locally_in_subproc.py", "run_locally_in_docker.py"])
def test_the_same_host_path_argument_works_in_every_runner(script, tmp_path, host_file, request):
    if "docker" in script:
        request.getfixturevalue("task_image")
    proc = run(script, tmp_path, "--path", str(host_file))
    assert proc.returncode == 0, proc.stderr[-2000:] + proc.stdout[-2000:]
    assert '  Output: "from the host"\n' in proc.stdout


@pytest.mark.usefixtures("task_image")
def test_a_host_path_into_the_data_folder_works_in_docker_where_it_is(tmp_path, host_file):
    # The data folder is mounted at /data; a path into it, given as is, must be found too.
    proc = run("run_locally_in_docker.py", tmp_path, "--path", str(host_file), "--data-dir", str(host_file.parent))
    assert proc.returncode == 0, proc.stderr[-2000:] + proc.stdout[-2000:]
    assert '  Output: "from the host"\n' in proc.stdout


@pytest.mark.usefixtures("task_image")
def test_a_task_missing_a_host_file_in_its_container_says_what_to_do_in_one_line(tmp_path, host_file):
    proc = run("run_locally_in_docker.py", tmp_path, "--path", str(host_file), "--sibling", "other.csv")
    assert_one_line_error(proc, "task 'read-text-file' failed: it could not find")
    assert "which is on this machine but not in its container: name it in a pipeline argument" in proc.stderr


def test_a_path_missing_everywhere_is_said_so(tmp_path):
    proc = run("run_locally_in_subproc.py", tmp_path, "--path", str(tmp_path / "nowhere.csv"))
    assert_one_line_error(proc, f"it could not find {tmp_path / 'nowhere.csv'}, which does not exist on this machine")
