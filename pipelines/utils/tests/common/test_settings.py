import json
from importlib.metadata import distribution
from pathlib import Path

import pytest

import pipe_fiction
from utils.common import settings
from utils.common.paths import PIPELINES_DIR
from utils.tests.helpers import assert_one_line_error, run_script


def test_local_outputs_default_to_the_pipelines_folder(monkeypatch):
    monkeypatch.delenv("PIPE_FICTION_OUTPUTS", raising=False)
    assert settings.local_outputs_dir() == PIPELINES_DIR / "local_outputs"


def test_local_outputs_expand_home_and_become_absolute(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PIPE_FICTION_OUTPUTS", "~/runs")
    assert settings.local_outputs_dir() == tmp_path / "runs"
    monkeypatch.setenv("PIPE_FICTION_OUTPUTS", "relative/runs")
    assert settings.local_outputs_dir().is_absolute()


def test_package_is_an_editable_install_of_the_codebase_folder():
    codebase = PIPELINES_DIR.parent / "pipe-fiction-codebase"
    assert Path(pipe_fiction.__file__).resolve().is_relative_to(codebase / "pipe_fiction")
    direct_url = json.loads(distribution("pipe-fiction").read_text("direct_url.json"))
    assert direct_url["dir_info"].get("editable") is True


def write_env(tmp_path, monkeypatch, content: bytes):
    path = tmp_path / "my.env"
    path.write_bytes(content)
    monkeypatch.setenv("PIPE_FICTION_ENV_FILE", str(path))
    for name in ("KFP_HOST", "KFP_NAMESPACE", "KFP_EXPERIMENT"):
        monkeypatch.delenv(name, raising=False)
    return path


def test_dotenv_handles_comments_quotes_export_and_interpolation(tmp_path, monkeypatch):
    write_env(
        tmp_path,
        monkeypatch,
        b"# the cluster\n"
        b"KFP_HOST=http://localhost:8080  # port-forward\n"
        b"export KFP_NAMESPACE='team-a'\n"
        b'KFP_EXPERIMENT="${KFP_NAMESPACE}-runs"\n',
    )
    assert settings.get("KFP_HOST") == "http://localhost:8080"
    assert settings.get("KFP_NAMESPACE") == "team-a"
    assert settings.get("KFP_EXPERIMENT") == "team-a-runs"


def test_environment_wins_over_the_dotenv_file(tmp_path, monkeypatch):
    write_env(tmp_path, monkeypatch, b"KFP_HOST=http://from-file\n")
    monkeypatch.setenv("KFP_HOST", "http://from-env")
    assert settings.get("KFP_HOST") == "http://from-env"


def test_a_dotenv_that_is_not_utf8_names_the_file_and_line(tmp_path, monkeypatch):
    path = write_env(tmp_path, monkeypatch, b"KFP_HOST=http://x\nKFP_PASSWORD=caf\xe9\n")
    with pytest.raises(settings.SettingsError) as caught:
        settings.get("KFP_HOST")
    assert str(caught.value) == f"{path}, line 2: not valid UTF-8; save the file as UTF-8"


def test_an_unparsable_dotenv_line_is_named_without_its_text(tmp_path, monkeypatch):
    path = write_env(tmp_path, monkeypatch, b"KFP_HOST=http://x\nKFP_TOKEN='s3cret\n")
    with pytest.raises(settings.SettingsError) as caught:
        settings.get("KFP_HOST")
    assert str(caught.value) == f"{path}, line 2: not a KEY=VALUE line"
    assert "s3cret" not in str(caught.value)


def test_a_broken_dotenv_is_one_line_for_the_run_scripts(tmp_path):
    path = tmp_path / "bad.env"
    path.write_bytes(b"PIPE_FICTION_OUTPUTS=caf\xe9\n")
    proc = run_script("run_locally_in_subproc.py", PIPE_FICTION_ENV_FILE=str(path))
    assert_one_line_error(proc, f"{path}, line 1: not valid UTF-8")
