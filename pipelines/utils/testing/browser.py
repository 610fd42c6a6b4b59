"""Headless Chromium on a run page, offline: for the browser tests and ``make screenshot``."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

from utils.common.errors import PipeFictionError

BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def find_browser() -> str | None:
    """A Chromium on PATH, or None."""
    return next((shutil.which(name) for name in BROWSERS if shutil.which(name)), None)


def headless(page: Path, *args: str, fragment: str = "") -> subprocess.CompletedProcess:
    """Runs headless Chromium on the page; every network request goes to a closed loopback port.

    Args:
        page: The HTML file.
        *args: More Chromium arguments (``--dump-dom``, ``--screenshot=...``).
        fragment: A ``#fragment`` to open the page at (an element's id).

    Raises:
        PipeFictionError: If no Chromium is installed.
    """
    browser = find_browser()
    if browser is None:
        raise PipeFictionError("no Chromium found: install it (Debian/Ubuntu: apt-get install chromium)")
    command = [
        browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
        "--hide-scrollbars", "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
        "--enable-logging=stderr", "--v=0", *args, page.as_uri() + (f"#{quote(fragment)}" if fragment else ""),
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=120)
