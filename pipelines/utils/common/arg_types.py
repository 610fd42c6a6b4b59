"""Argument types for the command-line parsers: checked at parse time, named in words.

argparse reports a parser's ``ValueError`` as ``invalid <its __name__> value: 'x'``; :func:`named`
gives a parser that readable name ("integer") instead of its function's. :func:`checked` builds
on it for values with a condition ("a port number (1-65535)"), reported as ``expected <name>, got 'x'``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any


def named(name: str, parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """``parse`` under a name argparse shows: ``invalid integer value: 'abc'``.

    A ``RecursionError`` (JSON nested thousands deep) is refused like a ``ValueError``, and a long
    value is cut in the message, so that either is one short argparse line.
    """

    def parsed(text: str) -> Any:
        try:
            return parse(text)
        except (ValueError, RecursionError):
            # argparse's own words, with a long value cut: one line, not 60,000 characters.
            raise argparse.ArgumentTypeError(f"invalid {name} value: {_shown(text)}") from None

    parsed.__name__ = name
    return parsed


def _shown(text: str, limit: int = 60) -> str:
    return repr(text) if len(text) <= limit else f"{text[:limit]!r}... ({len(text)} characters)"


def checked(name: str, convert: Callable[[str], Any], check: Callable[[Any], bool]) -> Callable[[str], Any]:
    """A parser of values that must meet ``check``: ``expected a port number (1-65535), got '70000'``."""

    def parse(text: str) -> Any:
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not check(value):
            raise argparse.ArgumentTypeError(f"expected {name}, got {_shown(text)}")
        return value

    return named(name, parse)


def finite(value: float) -> bool:
    """Neither NaN nor infinite (JSON, and so KFP, has neither)."""
    return value == value and abs(value) != float("inf")


port = checked("a port number (1-65535)", int, lambda v: 1 <= v <= 65535)
positive_int = checked("a whole number of at least 1", int, lambda v: v >= 1)
positive_seconds = checked("a number of seconds above 0", float, lambda v: finite(v) and v > 0)
poll_seconds = checked("a number of seconds, at least 0.05", float, lambda v: finite(v) and v >= 0.05)
ratio = checked("a number from 0 to 1", float, lambda v: 0.0 <= v <= 1.0)
