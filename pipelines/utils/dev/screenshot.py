"""``make screenshot``: the newest run page under the local outputs, rendered into ``docs/run-page.png``.

Run ``make run-subproc`` first; it needs Chromium (:mod:`utils.testing.browser`).
"""

from __future__ import annotations

import sys

from utils.common import paths, settings
from utils.common.cli import run_cli
from utils.common.errors import PipeFictionError
from utils.report.facts import PAGE
from utils.testing.browser import headless

SCREENSHOT = paths.ROOT / "docs" / "run-page.png"


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
