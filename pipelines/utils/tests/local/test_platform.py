"""kfp-kubernetes settings locally: secrets and config maps as variables from local files, the rest said once."""

import pytest
import yaml

from utils.local.reuse import supported
from utils.testing.scripts import run_script, task_outcomes

SECRET = "s3cr3t-VALUE-9f2c"
PIPELINE = "examples.kubernetes_settings"


@pytest.fixture
def local_kubernetes(tmp_path):
    folder = tmp_path / "local_kubernetes"
    (folder / "secrets").mkdir(parents=True)
    (folder / "config_maps").mkdir()
    return folder


def run(script, tmp_path, folder, *args):
    proc = run_script(
        script,
        *args,
        PIPE_FICTION_PIPELINE=PIPELINE,
        PIPE_FICTION_OUTPUTS=str(tmp_path / "out"),
        PIPE_FICTION_LOCAL_KUBERNETES=str(folder),
    )
    assert proc.returncode == 0, proc.stderr[-2000:] + proc.stdout[-2000:]
    output = next(line for line in proc.stdout.splitlines() if line.startswith("  Output: "))
    return proc, output.removeprefix("  Output: ").strip('"')


def test_without_the_files_the_task_runs_without_the_variables_and_the_run_names_the_files(tmp_path, local_kubernetes):
    proc, output = run("run_locally_in_subproc.py", tmp_path, local_kubernetes)
    assert output == "token unset; region <unset>"
    assert f"{local_kubernetes}/secrets/example-credentials.env is missing" in proc.stderr
    assert f"{local_kubernetes}/config_maps/example-settings.env is missing" in proc.stderr
    assert "kfp-kubernetes 'nodeSelector' applies only in a cluster" in proc.stderr


@pytest.mark.parametrize("script", ["run_locally_in_subproc.py", "run_locally_in_docker.py"])
def test_the_files_give_the_task_its_variables_and_no_value_is_ever_shown(script, tmp_path, local_kubernetes, request):
    if "docker" in script:
        request.getfixturevalue("task_image")
    (local_kubernetes / "secrets" / "example-credentials.env").write_text(f"token={SECRET}\n")
    (local_kubernetes / "config_maps" / "example-settings.env").write_text("region=eu-west\n")
    proc, output = run(script, tmp_path, local_kubernetes)
    assert output == f"token set, {len(SECRET)} characters; region eu-west"
    (run_dir,) = (tmp_path / "out").glob("example-kubernetes-settings-*")
    for text in (proc.stdout, proc.stderr, (run_dir / "index.html").read_text(), (run_dir / "run.json").read_text()):
        assert SECRET not in text
    assert "has no local file" not in proc.stderr


@pytest.mark.skipif(not supported(), reason="kfp.local reuses tasks from 2.17")
def test_another_secret_value_reruns_the_task(tmp_path, local_kubernetes):
    secret = local_kubernetes / "secrets" / "example-credentials.env"
    secret.write_text("token=first\n")
    first, _ = run("run_locally_in_subproc.py", tmp_path, local_kubernetes)
    again, _ = run("run_locally_in_subproc.py", tmp_path, local_kubernetes)
    secret.write_text("token=second-and-longer\n")
    changed, output = run("run_locally_in_subproc.py", tmp_path, local_kubernetes)
    assert [task_outcomes(p.stdout)["check-credentials"] for p in (first, again, changed)] == ["ran", "reused", "ran"]
    assert output.startswith(f"token set, {len('second-and-longer')} characters")


def test_a_missing_key_is_named_and_the_settings_reach_the_compiled_pipeline(tmp_path, local_kubernetes):
    (local_kubernetes / "secrets" / "example-credentials.env").write_text("other=x\n")
    proc, _ = run("run_locally_in_subproc.py", tmp_path, local_kubernetes)
    assert "example-credentials.env has no key 'token' (for EXAMPLE_TOKEN)" in proc.stderr and "x\n" not in proc.stderr
    compiled = tmp_path / "k8s.yaml"
    done = run_script(
        "run_in_k8s_cluster.py", "--compile-only", "--output", str(compiled), PIPE_FICTION_PIPELINE=PIPELINE
    )
    assert done.returncode == 0, done.stderr[-2000:]
    documents = list(yaml.safe_load_all(compiled.read_text()))
    platform = documents[1]["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
    assert platform["exec-check-credentials"]["secretAsEnv"][0]["secretName"] == "example-credentials"
