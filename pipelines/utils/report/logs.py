r"""A task's log as the page shows it: text, without the terminal's escape codes.

kfp colours its own lines (``\x1b[96m'task'\x1b[0m``) and tools colour theirs; a page is not a
terminal, so colour and cursor sequences are removed (CSI, OSC and two-character escapes), as are
other control characters but tab and newline. What remains is shown as text (autoescaped).
"""

from __future__ import annotations

import re

# CSI (ESC [ ... final byte), OSC (ESC ] ... BEL or ESC \\), then any other escape (ESC, intermediates, final).
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[ -/]*[0-~]|\x9b[0-?]*[ -/]*[@-~]"
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def plain_log(text: str) -> str:
    """``text`` without escape sequences or control characters (carriage returns end lines)."""
    text = _ESCAPES.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROLS.sub("", text)
