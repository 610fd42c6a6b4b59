"""Reading a run's files for its page, and nothing outside the run.

A task writes its outputs in the run's folder, and in a Docker run it can write anything there,
a symlink too: ``out.path -> ~/.ssh/id_rsa``. The page is built on the host, so a preview that
followed that link would carry the host's file into the page (and, through the mounted outputs,
into the next run's containers). Here a file is read only when its path lies inside a run folder
under the pipeline root and still does once every link in it is resolved, and it is opened one
path component at a time without following links (so a link swapped in between is refused too).
A file that a task may legitimately show from elsewhere (an artifact reused from an earlier run)
is read within that earlier run's own folder, by the same rule.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

OUTSIDE = "outside"  # the path, or a link in it, leads out of its run's folder
MISSING = "missing"


@dataclass(frozen=True)
class Found:
    """What is at a path inside a run: a file (with its size), a folder, or why nothing is shown."""

    kind: str  # "file", "folder", OUTSIDE or MISSING
    size: int = 0


class RunFiles:
    """The files of the runs under one pipeline root, as a run page may read them."""

    def __init__(self, pipeline_root: Path) -> None:
        """Reads within the run folders directly under ``pipeline_root``."""
        self._root = Path(os.path.abspath(pipeline_root))

    def _inside(self, path: str | Path) -> tuple[Path, list[str]] | None:
        """The real run folder a path lies in and the path's real parts below it; None if it leads out."""
        lexical = Path(os.path.abspath(path))
        if not lexical.is_relative_to(self._root):
            return None
        parts = lexical.relative_to(self._root).parts
        if len(parts) < 2 or parts[0] in (".", ".."):
            return None
        run = Path(os.path.realpath(self._root / parts[0]))
        if not run.is_relative_to(os.path.realpath(self._root)):
            return None  # the run folder itself is a link
        real = Path(os.path.realpath(lexical))
        if not real.is_relative_to(run) or real == run:
            return None
        return run, list(real.relative_to(run).parts)

    @contextlib.contextmanager
    def _opened(self, path: str | Path, flags: int) -> Iterator[int | str]:
        """A descriptor of ``path`` opened beneath its run folder without following links, else OUTSIDE/MISSING."""
        inside = self._inside(path)
        if inside is None:
            yield OUTSIDE
            return
        run, parts = inside
        fds: list[int] = []
        try:
            try:
                fds.append(os.open(run, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW))
                for part in parts[:-1]:
                    fds.append(os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fds[-1]))
                fds.append(os.open(parts[-1], flags | os.O_NOFOLLOW, dir_fd=fds[-1]))
            except OSError as error:
                # A link met on the way (swapped in since the path was resolved) is refused.
                yield OUTSIDE if error.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK) else MISSING
                return
            yield fds[-1]
        finally:
            for fd in fds:
                with contextlib.suppress(OSError):
                    os.close(fd)

    def find(self, path: str | Path) -> Found:
        """What is at ``path``: a file or folder inside its run, or OUTSIDE, or MISSING."""
        with self._opened(path, os.O_RDONLY) as fd:
            if isinstance(fd, str):
                return Found(fd)
            info = os.fstat(fd)
            if stat.S_ISDIR(info.st_mode):
                return Found("folder")
            return Found("file", info.st_size) if stat.S_ISREG(info.st_mode) else Found(MISSING)

    def read(self, path: str | Path, limit: int) -> bytes | str:
        """Up to ``limit`` bytes of a regular file inside its run; else OUTSIDE or MISSING."""
        with self._opened(path, os.O_RDONLY | os.O_NONBLOCK) as fd:
            if isinstance(fd, str):
                return fd
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return MISSING
            chunks, left = [], limit
            while left > 0:
                chunk = os.read(fd, min(left, 1 << 16))
                if not chunk:
                    break
                chunks.append(chunk)
                left -= len(chunk)
            return b"".join(chunks)

    @contextlib.contextmanager
    def open_binary(self, path: str | Path) -> Iterator[BinaryIO | str]:
        """A seekable binary file object of a regular file inside its run; else OUTSIDE or MISSING."""
        with self._opened(path, os.O_RDONLY | os.O_NONBLOCK) as fd:
            if isinstance(fd, str):
                yield fd
                return
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                yield MISSING
                return
            with os.fdopen(os.dup(fd), "rb") as file:
                yield file

    def names(self, path: str | Path) -> list[str] | str:
        """The entries of a folder inside its run (folders end in ``/``; links are never followed)."""
        with self._opened(path, os.O_RDONLY | os.O_DIRECTORY) as fd:
            if isinstance(fd, str):
                return fd
            found = []
            for name in os.listdir(fd):
                try:
                    info = os.stat(name, dir_fd=fd, follow_symlinks=False)
                except OSError:
                    continue
                found.append(name + ("/" if stat.S_ISDIR(info.st_mode) else ""))
            return sorted(found)
