"""SIGTERM and SIGHUP stop a run like Ctrl-C: tasks end, containers go, exit 128 + signal."""

import signal
import socket
import subprocess
import time

import pytest

from utils.common.paths import PIPELINES_DIR
from utils.common.signals import descendants
from utils.debugging.bootstrap import WAITING
from utils.image.task_image import run_image
from utils.testing.debug_session import RunningScript
from utils.tests.helpers import free_port

FIRST_TASK = "make-words"  # of tests/fixtures/pipelines.py, which the scripts run here


def port_is_free(port):
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_until(condition, seconds):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.2)
    return condition()


def debug_run(script, port, tmp_path):
    args = [script, "--debug", FIRST_TASK, "--debug-port", str(port), "--debug-timeout", "120"]
    run = RunningScript(args, env={"PIPE_FICTION_OUTPUTS": str(tmp_path)})
    run.wait_for(WAITING, 120)
    return run


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_ends_the_subprocess_tasks_and_exits_128_plus_it(tmp_path, signum):
    port = free_port()
    run = debug_run("run_locally_in_subproc.py", port, tmp_path)
    tasks = descendants(run.proc.pid)
    assert tasks, "the waiting task should be a child process"
    run.proc.send_signal(signum)
    try:
        assert run.finish(30) == 128 + signum
    finally:
        run.stop()
    assert run.output().strip().splitlines()[-1] == f"WARNING stopped by {signal.Signals(signum).name}"
    assert "Traceback" not in run.output()
    assert wait_until(lambda: port_is_free(port), 10), "the task still holds its debug port"


def task_containers(client, image):
    return {c.id for c in client.containers.list(all=True, filters={"ancestor": image})}


@pytest.mark.usefixtures("task_image")
def test_sigterm_removes_the_running_task_container(tmp_path, docker_engine):
    before = task_containers(docker_engine, run_image())
    run = debug_run("run_locally_in_docker.py", free_port(), tmp_path)
    assert task_containers(docker_engine, run_image()) - before, "a task container should be running"
    run.proc.send_signal(signal.SIGTERM)
    try:
        assert run.finish(60) == 143
    finally:
        run.stop()
    assert task_containers(docker_engine, run_image()) - before == set()


@pytest.mark.usefixtures("task_image")
def test_sigterm_to_make_reaches_the_run_and_removes_its_container(tmp_path, docker_engine):
    before = task_containers(docker_engine, run_image())
    port = free_port()
    make = subprocess.Popen(
        ["make", "--no-print-directory", "debug-docker", f"TASK={FIRST_TASK}", f"PORT={port}", "TIMEOUT=120"],
        cwd=PIPELINES_DIR.parent,
        env={**__import__("os").environ, "PIPE_FICTION_OUTPUTS": str(tmp_path)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        for line in make.stdout:
            if WAITING in line:
                break
        make.send_signal(signal.SIGTERM)
        make.wait(60)
    finally:
        if make.poll() is None:
            make.kill()
    assert make.returncode != 0
    assert wait_until(lambda: not task_containers(docker_engine, run_image()) - before, 30)


@pytest.mark.parametrize(
    ("signum", "to_group", "stops"),
    [
        (signal.SIGTERM, False, True),
        (signal.SIGINT, True, True),
        (signal.SIGHUP, True, True),
        (signal.SIGINT, False, False),
    ],
    ids=["TERM-to-make", "INT-to-group", "HUP-to-group", "INT-to-make-alone"],
)  # fmt: skip
def test_which_signals_sent_to_make_reach_the_run_as_the_readme_says(tmp_path, signum, to_group, stops):
    import os

    from utils.testing.repo_copies import clean_env

    port = free_port()
    env = clean_env(PIPE_FICTION_OUTPUTS=str(tmp_path), PIPE_FICTION_PIPELINE="utils.tests.fixtures.pipelines")
    make = subprocess.Popen(
        ["make", "--no-print-directory", "debug-subproc", f"TASK={FIRST_TASK}", f"PORT={port}", "TIMEOUT=60"],
        cwd=PIPELINES_DIR.parent, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        for line in make.stdout:
            if WAITING in line:
                break
        (os.killpg if to_group else os.kill)(make.pid, signum)
        if stops:
            make.wait(30)
            assert wait_until(lambda: port_is_free(port), 10), "the task still holds its debug port"
        else:
            time.sleep(2)
            assert make.poll() is None and not port_is_free(port), "make passed the signal on after all"
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGTERM)
            make.wait(30)
