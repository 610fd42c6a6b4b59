"""Renames the template to your project: ``make rename NAME=acme-ml`` (standard library only).

The current name is read from the ``<name>-codebase`` folder, so the script works again after
a rename. Every git-tracked file is rewritten (kebab ``old-name``, snake ``old_name``, upper
``OLD_NAME`` and Pascal ``OldName`` spellings), and the codebase folder and the package folder
are moved, then both projects are re-locked and ``ruff`` re-wraps the lines a longer name made too
long. It refuses a name that is not a valid
distribution/import name, and a dirty work tree (so that ``git diff`` shows exactly what it did).
Everything is checked before anything changes; a failure midway puts the tree back as it was.
The name is an argument, never part of a shell command.
"""

from __future__ import annotations

import argparse
import keyword
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from utils.common.paths import ROOT

NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
# The name is spelled into environment variables, messages and docstrings: up to this length every
# line still fits ruff's 120 columns once `ruff format` has re-wrapped the code (tested).
MAX_LENGTH = 32


class RenameError(Exception):
    """The rename cannot start; the message says why."""


def spellings(kebab: str) -> dict[str, str]:
    """The four spellings of a kebab-case name."""
    words = kebab.split("-")
    return {
        "kebab": kebab,
        "snake": "_".join(words),
        "upper": "_".join(words).upper(),
        "pascal": "".join(w.capitalize() for w in words),
    }


def current_name(root: Path) -> str:
    """The template's current kebab name, from its single ``*-codebase`` folder."""
    folders = [p.name.removesuffix("-codebase") for p in root.glob("*-codebase") if p.is_dir()]
    if len(folders) != 1:
        raise RenameError(f"expected one *-codebase folder in {root}, found {len(folders)}")
    return folders[0]


def check_name(new: str, old: str) -> None:
    """Refuses names that would not work as a distribution, import and image name."""
    snake = new.replace("-", "_")
    if not NAME.match(new):
        raise RenameError(f"NAME={new!r}: use lowercase words joined by hyphens, starting with a letter (e.g. acme-ml)")
    if keyword.iskeyword(snake) or snake in sys.stdlib_module_names or snake in ("test", "tests", "utils"):
        raise RenameError(f"NAME={new!r}: {snake!r} would shadow a Python keyword or module; choose another")
    if len(new) > MAX_LENGTH:
        raise RenameError(f"NAME={new!r}: at most {MAX_LENGTH} characters (it is spelled into every variable name)")
    if new == old:
        raise RenameError(f"the project is already called {old!r}")


def check_clean(root: Path) -> None:
    """Refuses a work tree with uncommitted changes: ``git diff`` is then exactly what the rename did."""
    if git(root, "status", "--porcelain").strip():
        raise RenameError("the work tree has uncommitted changes: commit or stash them first (rename comes first)")


def git(root: Path, *args: str) -> str:
    """Runs git in the repository and returns its output."""
    done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise RenameError(f"git {' '.join(args)} failed: {done.stderr.strip() or 'not a git repository?'}")
    return done.stdout


def rename(
    root: Path,
    new: str,
    relock: Callable[[Path], None] | None = None,
    tidy: Callable[[Path], None] | None = None,
) -> list[str]:
    """Renames the project in ``root``; returns what it did, one line per change of folder.

    Args:
        root: The repository.
        new: The new kebab-case name.
        relock: Called with the renamed root once the files are rewritten (re-locks both projects).
        tidy: Called last with the renamed root (re-wraps lines a longer name made too long).

    Raises:
        RenameError: If the name or the tree is refused (nothing changed), or a step failed
            (the tree is restored).
    """
    old = current_name(root)
    check_name(new, old)
    check_clean(root)
    done: list[tuple[Path, Path]] = []
    try:
        _rewrite(root, old, new)
        codebase = root / f"{old}-codebase"
        snake_old, snake_new = spellings(old)["snake"], spellings(new)["snake"]
        for source, target in [(codebase / snake_old, codebase / snake_new), (codebase, root / f"{new}-codebase")]:
            source.rename(target)
            done.append((source, target))
        if relock is not None:
            relock(root)
        if tidy is not None:
            tidy(root)
    except BaseException as error:
        _restore(root, done)
        if isinstance(error, RenameError | OSError):
            raise RenameError(f"{error}; the tree is back as it was") from None
        raise
    # A moved venv keeps absolute paths of the old folder: drop it, `make` rebuilds it.
    shutil.rmtree(root / f"{new}-codebase" / ".venv", ignore_errors=True)
    return [f"moved {source.relative_to(root)} -> {target.relative_to(root)}" for source, target in done]


def respell(text: str, old: str, new: str) -> str:
    """``text`` with every spelling of the kebab name ``old`` replaced by the same spelling of ``new``."""
    before, after = spellings(old), spellings(new)
    pattern = re.compile("|".join(re.escape(before[k]) for k in before))
    lookup = {before[k]: after[k] for k in before}
    return pattern.sub(lambda m: lookup[m.group(0)], text)


def _rewrite(root: Path, old: str, new: str) -> None:
    """Rewrites every spelling of ``old`` in the tracked text files."""
    for relative in git(root, "ls-files", "-z").split("\0"):
        path = root / relative
        if not relative or not path.is_file() or path.is_symlink():
            continue
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue  # binary files carry no name
        changed = respell(text, old, new)
        if changed != text:
            path.write_text(changed)


def _restore(root: Path, moves: list[tuple[Path, Path]]) -> None:
    """Undoes the folder moves, then every rewritten tracked file (the tree was clean before)."""
    for source, target in reversed(moves):
        target.rename(source)
    subprocess.run(["git", "-C", str(root), "checkout", "--", "."], capture_output=True)


def uv_relock(uv: str) -> Callable[[Path], None]:
    """A ``relock`` step running ``uv lock`` in the codebase and in pipelines/."""

    def relock(root: Path) -> None:
        for folder in (*root.glob("*-codebase"), root / "pipelines"):
            done = subprocess.run([uv, "lock", "--quiet"], cwd=folder, capture_output=True, text=True)
            if done.returncode != 0:
                last = (done.stderr.strip().splitlines() or ["no output"])[-1]
                raise RenameError(f"'uv lock' failed in {folder.name}: {last}")

    return relock


def ruff_tidy(ruff: str) -> Callable[[Path], None]:
    """A ``tidy`` step: ``ruff format``, then ``ruff check --fix`` (import order) on the whole tree."""

    def tidy(root: Path) -> None:
        for command in (["format", "--quiet"], ["check", "--fix", "--quiet", "--exit-zero"]):
            done = subprocess.run([ruff, *command, str(root)], cwd=root, capture_output=True, text=True)
            if done.returncode != 0:
                last = (done.stderr.strip().splitlines() or ["no output"])[-1]
                raise RenameError(f"'ruff {command[0]}' failed: {last}")

    return tidy


def main(argv: list[str] | None = None) -> int:
    """Renames, or prints one line saying why not (exit code 2)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", help="the new name, lowercase words joined by hyphens (e.g. acme-ml)")
    parser.add_argument("--uv", help="uv executable: re-lock both projects after the rename")
    parser.add_argument("--check", action="store_true", help="only check the name and the tree; change nothing")
    parser.add_argument("--ruff", help="ruff executable, if present: re-wrap the lines the new name made longer")
    args = parser.parse_args(argv)
    tidy = ruff_tidy(args.ruff) if args.ruff and Path(args.ruff).is_file() else None
    try:
        old = current_name(ROOT)
        if args.check:
            check_name(args.name, old)
            check_clean(ROOT)
            return 0
        for line in rename(ROOT, args.name, uv_relock(args.uv) if args.uv else None, tidy):
            print(line)
    except RenameError as error:
        print(f"rename: {error}", file=sys.stderr)
        return 2
    if tidy is None:
        print("no ruff yet: 'make format' re-wraps the lines the new name made longer")
    print(f"renamed {old} -> {args.name}; review with 'git status', then commit")
    return 0


if __name__ == "__main__":
    sys.exit(main())
