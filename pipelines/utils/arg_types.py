"""Argument types for the run scripts' parsers: checked at parse time, named in words.

argparse reports a bad value as ``invalid <type's __name__> value``, so each type here carries
a readable name ("a port number, 1-65535") instead of its function name.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any


def _named(name: str, convert: Callable[[str], Any], check: Callable[[Any], bool]) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {name}, got {text!r}") from None
        if not check(value):
            raise argparse.ArgumentTypeError(f"expected {name}, got {text!r}")
        return value

    parse.__name__ = name
    return parse


def finite(value: float) -> bool:
    """Neither NaN nor infinite (JSON, and so KFP, has neither)."""
    return value == value and abs(value) != float("inf")


port = _named("a port number (1-65535)", int, lambda v: 1 <= v <= 65535)
positive_int = _named("a whole number of at least 1", int, lambda v: v >= 1)
positive_seconds = _named("a number of seconds above 0", float, lambda v: finite(v) and v > 0)
poll_seconds = _named("a number of seconds, at least 0.05", float, lambda v: finite(v) and v >= 0.05)
ratio = _named("a number from 0 to 1", float, lambda v: 0.0 <= v <= 1.0)
