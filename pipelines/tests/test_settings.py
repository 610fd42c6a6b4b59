import json
from importlib.metadata import distribution
from pathlib import Path

import pipe_fiction
from tests.conftest import PIPELINES_DIR
from utils import settings


def test_default_image_is_tagged_with_the_package_version(monkeypatch):
    monkeypatch.delenv("PIPE_FICTION_IMAGE", raising=False)
    assert settings.image() == f"pipe-fiction:{pipe_fiction_version()}"


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


def pipe_fiction_version() -> str:
    text = (PIPELINES_DIR.parent / "pipe-fiction-codebase" / "pyproject.toml").read_text()
    return next(line.split('"')[1] for line in text.splitlines() if line.startswith("version"))
