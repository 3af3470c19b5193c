"""`patchsmith` command line: one subcommand per module in cli/ (each has `register`)."""

from __future__ import annotations

import argparse
import importlib
import sys

from ..errors import PatchsmithError
from ..tools.safetext import inert

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


SECRET_OPTIONS = ("--api-key",)


def _masked_argv(argv: list[str]) -> list[str]:
    """argv with the value of every secret option (argparse also takes unambiguous prefixes) as ***."""
    out, hide = [], False
    for arg in argv:
        name, eq, _ = arg.partition("=")
        secret = len(name) > 4 and any(opt.startswith(name) for opt in SECRET_OPTIONS)
        if hide:
            arg, hide = "***", False
        elif "api_key=" in arg:  # -c api_key=VALUE (or agent.api_key=VALUE)
            arg = arg[: arg.index("api_key=") + len("api_key=")] + "***"
        elif secret and eq:
            arg = f"{name}=***"
        elif secret:
            hide = True
        out.append(arg)
    return out


def hide_secret_arguments() -> None:
    """--api-key's value sits on our command line, which every process of the user reads (ps, /proc/PID/cmdline),
    the agent's commands included under --sandbox local: overwrite it with the masked command line."""
    shown = _masked_argv(list(getattr(sys, "orig_argv", sys.argv)))
    if shown == list(getattr(sys, "orig_argv", sys.argv)):
        return
    try:
        import setproctitle
    except ImportError:  # declared as a dependency; without it the value stays visible, as before
        return
    setproctitle.setproctitle(" ".join(shown))


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        hide_secret_arguments()
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(_command_in(argv))
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except PatchsmithError as exc:  # the one place errors become a line on the terminal
        # inert: the message may quote an endpoint's answer, a file or a git error.
        print(f"patchsmith: error: {inert(exc.one_line())}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("patchsmith: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
