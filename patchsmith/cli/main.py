"""`patchsmith` command line: one subcommand per module in cli/ (each has `register`)."""

from __future__ import annotations

import argparse
import importlib
import sys

from ..errors import PatchsmithError

# Each module defines register(subparsers) and sets `func` on its parser; the function returns an exit code.
COMMAND_MODULES = [
    "fix",
    "replay",
    "resume",
    "index",
    "localize",
    "run",
    "compare",
    "eval",
    "inspect",
    "export",
    "credit",
    "images",
    "memory",
]


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """All subcommands, or just `only`: importing one command's module (not all of them) keeps start-up
    fast, which `patchsmith inspect` and other quick commands feel."""
    parser = argparse.ArgumentParser(prog="patchsmith", description="An agentic coding assistant for Git repositories.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES if only is None else [only]:
        importlib.import_module(f"patchsmith.cli.{name}").register(sub)
    return parser


def _command_in(argv: list[str]) -> str | None:
    first = next((a for a in argv if not a.startswith("-")), None)
    return first if first in COMMAND_MODULES else None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(_command_in(argv))
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except PatchsmithError as exc:  # the one place errors become a line on the terminal
        print(f"patchsmith: error: {exc.one_line()}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("patchsmith: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
