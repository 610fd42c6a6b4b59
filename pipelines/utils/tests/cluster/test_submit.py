"""run_in_k8s_cluster.py against a loopback KFP REST API, with the real kfp.Client."""

import json

import pytest
import yaml

import run_in_k8s_cluster
from utils.common.paths import PIPELINES_DIR
from utils.testing.fakes.kfp_api import KfpState
from utils.tests.helpers import assert_one_line_error, assert_usage_error, free_port, run_script
from utils.tests.helpers.cluster import submit


def created_run(server):
    (request,) = server.api_requests("POST", "/runs")
    return json.loads(request["body"])


def test_submission_sends_the_compiled_pipeline_with_its_arguments(monkeypatch, capsys, kfp_server, tmp_path):
    server = kfp_server()
    args = ["--count", "123", "--output", str(tmp_path / "p.yaml")]
    code, out = submit(monkeypatch, capsys, *args, KFP_HOST=server.url)
    assert code == 0
    run = created_run(server)
    spec = run["pipeline_spec"]
    assert spec["pipelineInfo"]["name"] == "fixture-words"
    assert set(spec["root"]["dag"]["tasks"]) == {"make-words", "write-words", "count-lines"}
    assert run["runtime_config"]["parameters"] == {"count": 123, "prefix": "w"}
    assert spec == yaml.safe_load((tmp_path / "p.yaml").read_text())
    (experiment,) = server.state.experiments.values()
    assert experiment["display_name"] == "pipe-fiction" and experiment["namespace"] == "kubeflow"
    assert run["experiment_id"] == experiment["experiment_id"]
    (run_id,) = server.state.runs
    assert f"Run id: {run_id}" in out
    assert f"Run details: {server.url}/#/runs/details/{run_id}" in out


def test_existing_experiment_is_reused_and_names_come_from_settings(monkeypatch, capsys, kfp_server):
    server = kfp_server()
    env = {"KFP_HOST": server.url, "KFP_EXPERIMENT": "mine", "KFP_NAMESPACE": "team-a"}
    assert submit(monkeypatch, capsys, **env)[0] == 0
    assert submit(monkeypatch, capsys, "--run-name", "second", **env)[0] == 0
    assert len(server.api_requests("POST", "/experiments")) == 1
    assert [e["namespace"] for e in server.state.experiments.values()] == ["team-a"]
    assert json.loads(server.api_requests("POST", "/runs")[1]["body"])["display_name"] == "second"


def test_wait_maps_succeeded_to_0_and_failed_to_1(monkeypatch, capsys, kfp_server):
    ok = kfp_server(state=KfpState(run_states=["PENDING", "RUNNING", "SUCCEEDED"]))
    code, out = submit(monkeypatch, capsys, "--wait", KFP_HOST=ok.url)
    assert code == 0 and "finished: SUCCEEDED" in out
    assert len(ok.api_requests("GET", "/runs/run-1")) == 3
    failed = kfp_server(state=KfpState(run_states=["RUNNING", "FAILED"]))
    code, out = submit(monkeypatch, capsys, "--wait", KFP_HOST=failed.url)
    assert code == 1 and "finished: FAILED" in out


def test_wait_gives_up_after_its_timeout(monkeypatch, capsys, kfp_server):
    server = kfp_server(state=KfpState(run_states=["RUNNING"]))
    code, _ = submit(monkeypatch, capsys, "--wait", "--timeout", "0.3", KFP_HOST=server.url)
    assert code == "run run-1 is still RUNNING after 0.3 s"


def test_no_cache_turns_caching_off_for_every_task(monkeypatch, capsys, kfp_server):
    server = kfp_server()
    assert submit(monkeypatch, capsys, "--no-cache", KFP_HOST=server.url)[0] == 0
    tasks = created_run(server)["pipeline_spec"]["root"]["dag"]["tasks"].values()
    assert all(not t.get("cachingOptions", {}).get("enableCache", False) for t in tasks)


def test_debug_bakes_debugging_into_that_task_and_says_how_to_attach(monkeypatch, capsys, kfp_server):
    server = kfp_server()
    code, out = submit(
        monkeypatch, capsys, "--debug", "write-words", "--debug-timeout", "600", KFP_HOST=server.url
    )  # fmt: skip
    assert code == 0
    executors = created_run(server)["pipeline_spec"]["deploymentSpec"]["executors"]
    command = " ".join(executors["exec-write-words"]["container"]["command"])
    assert "pipe_fiction_debug('write-words', True, 5678, 'debugpy', 600.0)" in command
    first = " ".join(executors["exec-make-words"]["container"]["command"])
    assert "pipe_fiction_debug('make-words', False" in first
    assert "make debug-k8s RUN_ID=run-1 TASK=write-words, then attach 'Pipeline: attach (cluster)'" in out


def test_debug_of_an_unknown_task_lists_the_tasks(monkeypatch, capsys):
    code, _ = submit(monkeypatch, capsys, "--debug", "train", "--compile-only")
    assert code == "no task 'train' in the pipeline; its tasks: count-lines, make-words, write-words"


def test_compile_only_writes_yaml_and_contacts_nothing(monkeypatch, capsys, tmp_path):
    code, out = submit(monkeypatch, capsys, "--compile-only", "--output", str(tmp_path / "c" / "p.yaml"))
    assert code == 0 and f"Compiled pipeline: {tmp_path / 'c' / 'p.yaml'}" in out
    assert yaml.safe_load((tmp_path / "c" / "p.yaml").read_text())["pipelineInfo"]["name"] == "fixture-words"


def test_host_without_scheme_is_refused(monkeypatch, capsys):
    code, _ = submit(monkeypatch, capsys, KFP_HOST="localhost:8080")
    assert code == "KFP_HOST='localhost:8080' has no scheme: write http://localhost:8080 or https://localhost:8080"


def test_missing_host_says_what_to_set(monkeypatch, capsys):
    assert submit(monkeypatch, capsys)[0].startswith("KFP_HOST is not set")


def test_unreachable_host_is_one_line_and_exit_1():
    port = free_port()
    proc = run_script("run_in_k8s_cluster.py", KFP_HOST=f"http://127.0.0.1:{port}")
    assert_one_line_error(proc, f"connection refused at 127.0.0.1:{port} (is the port-forward running?)")


def test_401_is_one_line_and_exit_1(kfp_server):
    server = kfp_server(state=KfpState(auth="bearer", bearer={"right"}))
    proc = run_script("run_in_k8s_cluster.py", KFP_HOST=server.url, KFP_AUTH="token", KFP_TOKEN="wrong-Tok3n")
    assert_one_line_error(proc, "refused the credentials (HTTP 401, KFP_AUTH=token)")
    assert "wrong-Tok3n" not in proc.stdout + proc.stderr


def test_403_on_the_run_is_one_line_and_exit_1(kfp_server):
    server = kfp_server(state=KfpState(forbidden={"POST /runs"}))
    proc = run_script("run_in_k8s_cluster.py", KFP_HOST=server.url)
    assert_one_line_error(proc, "the KFP API refused the run (HTTP 403)")


def test_make_run_k8s_submits_and_waits(kfp_server):
    import subprocess

    server = kfp_server(state=KfpState(run_states=["RUNNING", "SUCCEEDED"]))
    proc = subprocess.run(
        ["make", "--no-print-directory", "run-k8s", "ARGS=--wait --poll-interval 0.05"],
        cwd=PIPELINES_DIR.parent,
        env={**__import__("os").environ, "KFP_HOST": server.url},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Run run-1 finished: SUCCEEDED" in proc.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--poll-interval", "0"], "--poll-interval: expected a number of seconds, at least 0.05, got '0'"),
        (["--poll-interval", "-1"], "--poll-interval: expected a number of seconds, at least 0.05, got '-1'"),
        (["--timeout", "nan"], "--timeout: expected a number of seconds above 0, got 'nan'"),
        (["--debug-port", "0"], "--debug-port: expected a port number (1-65535), got '0'"),
    ],
)
def test_bad_option_values_are_one_argparse_line(args, message, capsys):
    assert_usage_error(run_in_k8s_cluster.parse_args, args, message, capsys)
