"""Reading a run page back (for tests): where the run said it is, and what its graph and timeline hold."""

from __future__ import annotations

import os
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from utils.testing.browser import find_browser, headless


def page_of(stdout: str) -> Path:
    """The run page a run printed (``Run page: file://...``), checked to exist."""
    match = re.search(r"^Run page: (file://\S+)$", stdout, re.M)
    assert match, stdout[-2000:]
    page = Path(unquote(urlparse(match.group(1)).path))
    assert page.is_file() and page.name == "index.html"
    return page


class PageParts(HTMLParser):
    """The graph's task nodes (name -> status), the timeline's bars and the task sections."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.nodes: dict[str, str] = {}
        self.groups: list[str] = []
        self.bars: list[str] = []
        self.sections: dict[str, bool] = {}  # task -> open
        self.links: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:  # noqa: D102  (HTMLParser hook)
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "g" and "task" in classes:
            self.nodes[a["data-task"]] = " ".join(c for c in classes if c != "task")
        elif tag == "g" and "group" in classes:
            self.groups.append(a["data-task"])
        elif tag == "div" and "bar" in classes:
            self.bars.append(classes[1])
        elif tag == "details":
            self.sections[a["id"].removeprefix("task-")] = "open" in a
        for key in ("src", "href"):
            if a.get(key):
                self.links.append(a[key])


def parts(page: Path) -> PageParts:
    """The parsed page, checked to load nothing from a network."""
    found = PageParts(page.read_text())
    remote = [link for link in found.links if link.startswith(("http:", "https:", "//"))]
    assert not remote, remote
    return found


def render(page: Path, *args: str) -> subprocess.CompletedProcess:
    """Headless Chromium on the page, offline.

    Skips without one (fails with ``PIPE_FICTION_REQUIRE_BROWSER=1``).
    """
    if find_browser() is None:
        reason = "needs Chromium for the browser test (Debian: apt-get install chromium)"
        if os.environ.get("PIPE_FICTION_REQUIRE_BROWSER", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{reason} (PIPE_FICTION_REQUIRE_BROWSER is set)", pytrace=False)
        pytest.skip(reason)
    return headless(page, *args)
