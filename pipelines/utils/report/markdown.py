"""Markdown artifacts rendered for the run page, then sanitised: what a task writes never runs there.

markdown-it-py renders CommonMark with tables and strikethrough; nh3 (Rust's ammonia) then keeps
only its allow-list of tags and attributes, so no ``<script>``, no event handler and no
``javascript:`` link survives, whatever the Markdown or the HTML inside it says. Images keep
only ``data:`` sources: the page loads nothing from anywhere.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

MAX_MARKDOWN_CHARS = 200_000
_LINK_SCHEMES = {"http", "https", "mailto"}


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        # A remote or local image would be a request; a data: image is the page's own.
        return value if value.startswith("data:image/") else None
    if value.lstrip().lower().startswith("data:"):
        return None  # data: is for images only (a data: link could be a page with a script)
    return value


def render_markdown(text: str) -> str:
    """Sanitised HTML of a Markdown text (cut at :data:`MAX_MARKDOWN_CHARS`)."""
    html = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).render(text[:MAX_MARKDOWN_CHARS])
    return nh3.clean(
        html,
        url_schemes=_LINK_SCHEMES | {"data"},
        attribute_filter=_keep_attribute,
        link_rel="noopener noreferrer nofollow",
    )
