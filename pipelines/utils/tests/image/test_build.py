"""Building the images: one ``docker build`` per Dockerfile stage, its arguments as list items."""

import subprocess

import pytest

from utils.common.paths import PIPELINES_DIR
from utils.image import build as image_build
from utils.image import tag as image_tag
from utils.tests.helpers.copies import clean_env


def test_the_build_command_targets_the_stage_and_passes_user_values_verbatim(tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n$(shell touch x) `id`\n-----END CERTIFICATE-----\n")
    hostile = "$(shell touch x); rm -rf / `id`"
    image = image_tag.default_image(deps=True)
    command = image_build.build_command(image, "deps", "2.7.0", {"BASE_IMAGE": hostile, "EXTRA_CA_BUNDLE": str(bundle)})
    assert command[:6] == ["docker", "build", "--force-rm", "--target", "deps", "--tag"]
    assert command[6] == image and command[8] == image_tag.without_fingerprint(image)
    assert f"BASE_IMAGE={hostile}" in command
    assert f"EXTRA_CA_CERTS={bundle.read_text()}" in command
    assert "KFP_VERSION=2.7.0" in command
    assert f"DEBUGPY_VERSION={image_tag.locked_version('debugpy')}" in command
    assert command[-1] == str(image_tag.codebase())
    other = image_build.build_command(image, "full", env={"PKG": str(tmp_path / "other-codebase")})
    assert other[-1] == str(tmp_path / "other-codebase")  # the Makefile's PKG is the build context


def test_a_user_tag_without_fingerprint_is_tagged_once():
    command = image_build.build_command("me/name:dev", "full", env={})
    assert command.count("--tag") == 1 and "me/name:dev" in command


@pytest.mark.parametrize(("flags", "stages"), [((), ["deps"]), (("--full",), ["full"]), (("--all",), ["deps", "full"])])
def test_runs_use_the_dependency_image_and_tests_want_both(monkeypatch, flags, stages):
    monkeypatch.delenv("PIPE_FICTION_IMAGE", raising=False)
    monkeypatch.delenv("PIPE_FICTION_SHIP_CODE", raising=False)
    chosen = image_build.images("--full" in flags, "--all" in flags)
    assert [stage for _, stage in chosen] == stages
    assert [image for image, _ in chosen] == [image_tag.default_image(deps=stage == "deps") for stage in stages]


def test_with_shipping_off_every_image_is_the_full_one(monkeypatch):
    monkeypatch.delenv("PIPE_FICTION_IMAGE", raising=False)
    monkeypatch.setenv("PIPE_FICTION_SHIP_CODE", "0")
    assert image_build.images(every=True) == [(image_tag.default_image(), "full")]


def test_without_an_engine_the_build_says_so_in_one_line(tmp_path):
    # A docker client that answers nothing: no engine.
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "docker").write_text("#!/bin/sh\nexit 1\n")
    (fake / "docker").chmod(0o755)
    env = clean_env(PATH=f"{fake}:/usr/bin:/bin")
    done = subprocess.run(
        ["python3", "-m", "utils.image.build"], cwd=PIPELINES_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "No Docker engine answers: start one (Docker Desktop, or 'sudo systemctl start docker')."
    ]
