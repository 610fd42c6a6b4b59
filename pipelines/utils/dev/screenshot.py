"""``make screenshot``: the newest run page under the local outputs, rendered into ``docs/run-page.png``.

Run ``make run-subproc`` first; it needs Chromium (:mod:`utils.testing.browser`).
"""

from __future__ import annotations

import sys
from html import escape
from pathlib import Path

from utils.common import paths, settings
from utils.common.cli import run_cli
from utils.common.errors import PipeFictionError
from utils.report.facts import PAGE
from utils.testing.browser import headless

SCREENSHOT = paths.ROOT / "docs" / "run-page.png"


def screenshot(page: Path, target: Path, task: str | None = None, size: str = "1100,860") -> Path:
    """Renders a run page into a PNG; with ``task``, that task's section alone, opened.

    Raises:
        PipeFictionError: If Chromium is missing or cannot render the page.
    """
    shown = page
    if task is not None:
        # A copy beside the page (its relative links still work) showing only that section, open.
        html = page.read_text(encoding="utf-8")
        section = f'<details class="task" id="task-{escape(task)}"'
        if section not in html:
            raise PipeFictionError(f"{page} has no task {task!r}")
        alone = f"<style>header, main > :not(#task-{escape(task)}) {{ display: none }}</style></head>"
        html = html.replace(section, f"{section} open", 1).replace("</head>", alone, 1)
        shown = page.with_name(f".screenshot-{target.stem}.html")
        shown.write_text(html, encoding="utf-8")
    try:
        done = headless(shown, f"--screenshot={target}", f"--window-size={size}", "--virtual-time-budget=2000")
    finally:
        if shown != page:
            shown.unlink(missing_ok=True)
    if done.returncode != 0 or not target.is_file():
        raise PipeFictionError(f"Chromium could not render {page}: {done.stderr.strip().splitlines()[-1:]}")
    return target


def main() -> int:
    """Screenshots the newest run page into docs/run-page.png."""
    pages = sorted(settings.local_outputs_dir().glob(f"*/{PAGE}"), key=lambda p: p.stat().st_mtime)
    if not pages:
        raise PipeFictionError("no run page yet: make run-subproc first")
    SCREENSHOT.parent.mkdir(exist_ok=True)
    screenshot(pages[-1], SCREENSHOT)
    print(f"{SCREENSHOT} ({SCREENSHOT.stat().st_size // 1024} kB) from {pages[-1]}", file=sys.stdout)
    return 0


if __name__ == "__main__":
    run_cli(main)
