"""A seam: one attribute of kfp (or of a library kfp drives) that the machinery replaces.

Each seam names the attribute, the kfp versions it applies to, the parameters its replacement
reads, and why it exists. Replacements wrap the original and read its arguments by name through
the original's own signature (:func:`arguments`), so they never copy a private parameter list.
The canary tests (``utils/tests/kfp_seams``) check, for the installed kfp, that every seam that
applies still finds its attribute with those parameters; a moved or changed function fails there,
not in a user's run.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from utils.kfp_seams.versions import Version, kfp_version

_LOCK = threading.Lock()


@dataclass(frozen=True)
class Seam:
    """One replaced attribute.

    Attributes:
        module: The module holding it (``kfp.local.task_dispatcher``).
        attribute: Its name there; ``Class.method`` for a method.
        since: The first kfp (major, minor) it applies to.
        until: The first kfp it no longer applies to (None: every newer kfp still needs it).
        parameters: The parameters the replacement reads by name (checked by the canaries).
        why: What it is for, in a line.
    """

    module: str
    attribute: str
    since: Version
    until: Version | None
    parameters: tuple[str, ...]
    why: str

    @property
    def name(self) -> str:
        """``module.attribute``."""
        return f"{self.module}.{self.attribute}"

    def applies(self, version: Version | None = None) -> bool:
        """Whether the installed (or the given) kfp needs this seam."""
        version = version or kfp_version()
        return self.since <= version and (self.until is None or version < self.until)

    def owner(self) -> tuple[Any, str]:
        """The object holding the attribute (a module or a class) and the attribute's own name."""
        owner: Any = importlib.import_module(self.module)
        *path, name = self.attribute.split(".")
        for part in path:
            owner = getattr(owner, part)
        return owner, name

    def current(self) -> Any:
        """The attribute as it is now (the original, unless replaced)."""
        owner, name = self.owner()
        return getattr(owner, name)

    @contextlib.contextmanager
    def replaced(self, make: Callable[[Any], Any]) -> Iterator[None]:
        """Replaces the attribute with ``make(original)`` while the block runs; puts the original back.

        Args:
            make: Builds the replacement from the original.
        """
        owner, name = self.owner()
        with _LOCK:
            original = getattr(owner, name)
            setattr(owner, name, make(original))
        try:
            yield
        finally:
            with _LOCK:
                setattr(owner, name, original)

    def install(self, make: Callable[[Any], Any], marker: str) -> None:
        """Replaces the attribute for the rest of the process, once (a second call does nothing).

        Args:
            make: Builds the replacement from the original.
            marker: An attribute set on the replacement, by which an installed one is recognised.
        """
        owner, name = self.owner()
        with _LOCK:
            if getattr(getattr(owner, name), marker, False):
                return
            replacement = make(getattr(owner, name))
            setattr(replacement, marker, True)
            setattr(owner, name, replacement)


def arguments(function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """A call's arguments by parameter name, as ``function``'s own signature binds them (defaults included)."""
    bound = inspect.signature(function).bind(*args, **kwargs)
    bound.apply_defaults()
    return dict(bound.arguments)


def call_with(function: Callable[..., Any], values: dict[str, Any]) -> Any:
    """Calls ``function`` with arguments by parameter name (from :func:`arguments`, possibly changed)."""
    signature = inspect.signature(function)
    positional, keywords = [], {}
    for name, parameter in signature.parameters.items():
        if name not in values:
            continue
        if parameter.kind is parameter.VAR_POSITIONAL:
            positional.extend(values[name])
        elif parameter.kind is parameter.VAR_KEYWORD:
            keywords.update(values[name])
        elif parameter.kind is parameter.POSITIONAL_ONLY:
            positional.append(values[name])
        else:
            keywords[name] = values[name]
    return function(*positional, **keywords)
