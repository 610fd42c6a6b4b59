"""Headless Chromium on a run page, offline: for the browser test and the README's screenshot.

``make screenshot`` renders the newest run page under the local outputs into
``docs/run-page.png`` (run ``make run-subproc`` first).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from utils.common import paths, settings
from utils.common.cli import run_cli
from utils.common.errors import PipeFictionError
from utils.report.facts import PAGE

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
SCREENSHOT = paths.ROOT / "docs" / "run-page.png"


def find_browser() -> str | None:
    """A Chromium on PATH, or None."""
    return next((shutil.which(name) for name in BROWSERS if shutil.which(name)), None)


def headless(page: Path, *args: str) -> subprocess.CompletedProcess:
    """Runs headless Chromium on the page; every network request goes to a closed loopback port.

    Raises:
        PipeFictionError: If no Chromium is installed.
    """
    browser = find_browser()
    if browser is None:
        raise PipeFictionError("no Chromium found: install it (Debian/Ubuntu: apt-get install chromium)")
    command = [
        browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
        "--hide-scrollbars", "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
        "--enable-logging=stderr", "--v=0", *args, page.as_uri(),
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def main() -> int:
    """Screenshots the newest run page into docs/run-page.png."""
    pages = sorted(settings.local_outputs_dir().glob(f"*/{PAGE}"), key=lambda p: p.stat().st_mtime)
    if not pages:
        raise PipeFictionError("no run page yet: make run-subproc first")
    SCREENSHOT.parent.mkdir(exist_ok=True)
    done = headless(pages[-1], f"--screenshot={SCREENSHOT}", "--window-size=1100,860")
    if done.returncode != 0 or not SCREENSHOT.is_file():
        raise PipeFictionError(f"Chromium could not render {pages[-1]}: {done.stderr.strip().splitlines()[-1:]}")
    print(f"{SCREENSHOT} ({SCREENSHOT.stat().st_size // 1024} kB) from {pages[-1]}", file=sys.stdout)
    return 0


if __name__ == "__main__":
    run_cli(main)
