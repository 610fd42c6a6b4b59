"""Renames the template to your project: ``make rename NAME=acme-ml`` (standard library only).

The current name is read from the ``<name>-codebase`` folder, so the script works again after
a rename. Every git-tracked file is rewritten (kebab ``old-name``, snake ``old_name``, upper
``OLD_NAME`` and Pascal ``OldName`` spellings), and the codebase folder and the package folder
are moved. It refuses a name that is not a valid distribution/import name, and a dirty work
tree (so that ``git diff`` shows exactly what it did).
"""

from __future__ import annotations

import argparse
import keyword
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


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
    if new == old:
        raise RenameError(f"the project is already called {old!r}")


def git(root: Path, *args: str) -> str:
    """Runs git in the repository and returns its output."""
    done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise RenameError(f"git {' '.join(args)} failed: {done.stderr.strip() or 'not a git repository?'}")
    return done.stdout


def rename(root: Path, new: str) -> list[str]:
    """Renames the project in ``root``; returns what it did, one line per change of folder."""
    old = current_name(root)
    check_name(new, old)
    if git(root, "status", "--porcelain").strip():
        raise RenameError("the work tree has uncommitted changes: commit or stash them first")
    before, after = spellings(old), spellings(new)
    pattern = re.compile("|".join(re.escape(before[k]) for k in before))
    lookup = {before[k]: after[k] for k in before}
    for relative in git(root, "ls-files", "-z").split("\0"):
        path = root / relative
        if not relative or not path.is_file() or path.is_symlink():
            continue
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue  # binary files carry no name
        changed = pattern.sub(lambda m: lookup[m.group(0)], text)
        if changed != text:
            path.write_text(changed)
    codebase = root / f"{old}-codebase"
    moves = [(codebase / before["snake"], codebase / after["snake"]), (codebase, root / f"{new}-codebase")]
    done = []
    for source, target in moves:
        source.rename(target)
        done.append(f"moved {source.relative_to(root)} -> {target.relative_to(root)}")
    # A moved venv keeps absolute paths of the old folder: drop it, `make` rebuilds it.
    shutil.rmtree(root / f"{new}-codebase" / ".venv", ignore_errors=True)
    return done


def main(argv: list[str] | None = None) -> int:
    """Renames, or prints one line saying why not (exit code 2)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", help="the new name, lowercase words joined by hyphens (e.g. acme-ml)")
    args = parser.parse_args(argv)
    try:
        old = current_name(ROOT)
        for line in rename(ROOT, args.name):
            print(line)
    except RenameError as error:
        print(f"rename: {error}", file=sys.stderr)
        return 2
    print(f"renamed {old} -> {args.name}; review with 'git status', then commit")
    return 0


if __name__ == "__main__":
    sys.exit(main())
