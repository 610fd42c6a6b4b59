"""Command line of the package: ``python -m pipe_fiction generate|process|summarize ...``.

Lets a container run the package's steps on files, e.g. from a KFP container component.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from pipe_fiction.data_generator import DataGenerator
from pipe_fiction.data_processor import DataProcessor


def build_parser() -> argparse.ArgumentParser:
    """The ``generate``, ``process`` and ``summarize`` sub-commands."""
    parser = argparse.ArgumentParser(prog="python -m pipe_fiction", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    generate = commands.add_parser("generate", help="write synthetic rows as CSV")
    generate.add_argument("--rows", type=int, default=1000)
    generate.add_argument("--seed", type=int, default=42)
    generate.add_argument("--noise", type=float, default=0.1)
    generate.add_argument("--output", type=Path, required=True)
    process = commands.add_parser("process", help="clean rows and add features (CSV in, CSV out)")
    process.add_argument("--input", type=Path, required=True)
    process.add_argument("--output", type=Path, required=True)
    summarize = commands.add_parser("summarize", help="summarise processed rows (CSV in, JSON out)")
    summarize.add_argument("--input", type=Path, required=True)
    summarize.add_argument("--output", type=Path, required=True)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Runs one sub-command; a bad input is one line on stderr and exit code 2."""
    args = build_parser().parse_args(argv)
    try:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        if args.command == "generate":
            DataGenerator(size=args.rows, seed=args.seed, noise=args.noise).generate().to_csv(args.output, index=False)
        elif args.command == "process":
            DataProcessor().process(pd.read_csv(args.input)).to_csv(args.output, index=False)
        else:
            summary = DataProcessor().summarize(pd.read_csv(args.input))
            args.output.write_text(json.dumps(summary, indent=2, sort_keys=True))
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
