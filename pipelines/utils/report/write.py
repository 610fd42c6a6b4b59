"""Writing a run's ``run.json`` and page into its folder.

A page that cannot be written costs a warning, never the run.
"""

from __future__ import annotations

import json
from pathlib import Path

from loguru import logger

from utils.report.facts import FACTS, PAGE, RunFacts, summary
from utils.report.page import render


def write(facts: RunFacts, run_dir: Path) -> Path | None:
    """Writes ``run.json`` and the run page into ``run_dir``; returns the page (None if it failed)."""
    try:
        data = summary(facts)
        (run_dir / FACTS).write_text(json.dumps(data, indent=2, sort_keys=True))
        page = run_dir / PAGE
        page.write_text(render(data, facts.pipeline, run_dir), encoding="utf-8")
        return page
    except Exception as error:  # the run itself went fine: a page is not worth failing it
        logger.warning("could not write the run page into {}: {}", run_dir, error)
        return None
