"""Telling your code from the machinery's and the libraries' in a traceback.

An error raised while your pipeline module is imported (kfp builds the graph then, so a wrong
``.output`` or a type kfp rejects is raised there) surfaces through importlib, kfp and this
template; what you need is the line of yours that caused it. :func:`as_user_error` makes it one
line naming that file and line, with your own frames as the details.
"""

from __future__ import annotations

import traceback
from pathlib import Path
from types import TracebackType

from utils.common.errors import UserCodeError
from utils.common.paths import PIPELINES_DIR, ROOT

_NOT_YOURS = ("site-packages", "dist-packages", ".venv")


def is_yours(filename: str) -> bool:
    """Whether a traceback's file is your code: under the repository, not the machinery, not a venv."""
    path = Path(filename)
    if not path.is_absolute() or not path.is_relative_to(ROOT) or any(p in path.parts for p in _NOT_YOURS):
        return False
    return not path.is_relative_to(PIPELINES_DIR / "utils") or path.is_relative_to(PIPELINES_DIR / "utils" / "tests")


def _frames(tb: TracebackType | None) -> list[traceback.FrameSummary]:
    return list(traceback.extract_tb(tb))


def as_user_error(error: BaseException, doing: str) -> UserCodeError:
    """The error as one line about your code: ``pipeline.py, line 12: TypeError: ...`` (while ``doing``)."""
    frames = _frames(error.__traceback__)
    yours = [frame for frame in frames if is_yours(frame.filename)]
    kind = type(error).__name__
    text = " ".join(str(error).split()) or kind
    if len(text) > 500:
        text = text[:500] + "..."
    if yours:
        last = yours[-1]
        where = f"{Path(last.filename).relative_to(ROOT)}, line {last.lineno}"
    elif isinstance(error, SyntaxError) and error.filename and is_yours(error.filename):
        where = f"{Path(error.filename).relative_to(ROOT)}, line {error.lineno}"
    else:
        where = "your code"
    message = f"{where}: {kind}: {text} (while {doing}; --verbose shows the whole traceback)"
    details = "".join(traceback.format_list(yours)).rstrip()
    full = "".join(traceback.format_exception(type(error), error, error.__traceback__)).rstrip()
    return UserCodeError(message, details, full)
