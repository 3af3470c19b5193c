"""`bash`: one shell command in the sandbox, time-limited and output-capped, secrets masked."""

from __future__ import annotations

import re
import shlex
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from .base import Tool
from .guard import git_errors_observed
from .observation import Observation, observe

if TYPE_CHECKING:  # the workspace (sandbox, git snapshots) loads with a run, not with a reader of tools
    from .workspace import Workspace

DESCRIPTION = (
    "Run a bash command in the repository root (non-interactive: no editors, pagers or REPLs; stdin is empty). "
    "It has a time limit and an output cap; the exit code is shown. Use it for things the other tools do not "
    "cover (git log, running a script, listing files). Prefer str_replace_editor for reading and editing files "
    "and run_tests for the test suite."
)

EDITOR_HINT = "use str_replace_editor to view and edit files"
INTERACTIVE = {
    **dict.fromkeys(["vim", "vi", "nvim", "nano", "emacs", "pico", "joe", "ed", "micro"], EDITOR_HINT),
    **dict.fromkeys(["less", "more", "most"], "use cat, head -n 50, or str_replace_editor view (with view_range)"),
    **dict.fromkeys(["top", "htop", "btop"], "use `ps aux` for a one-off snapshot"),
    "man": "use `CMD --help` instead",
    "watch": "run the command once; nothing can watch its output",
    "ssh": "remote shells are not available", "telnet": "remote shells are not available",
    "tmux": "terminal multiplexers are not available", "screen": "terminal multiplexers are not available",
}
REPLS = {"python", "python3", "ipython", "node", "irb", "ghci", "lua", "R", "sqlite3", "bash", "sh", "zsh"}
PREFIXES = {"sudo", "time", "env", "nohup", "nice", "command", "exec", "timeout"}
OPERATORS = {";", "&&", "||", "|", "&", "|&", "\n", "(", ")"}


class BashArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    command: str = Field(description="the bash command to run, e.g. `git log --oneline -5` or `python repro.py`")


def _simple_commands(command: str) -> list[tuple[list[str], bool]]:
    """Each simple command's words, and whether its stdin is fed (a pipe or a redirection)."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars=";&|()<>")
    lexer.whitespace = " \t\r"  # newlines separate commands, like `;`
    lexer.whitespace_split = True
    out: list[tuple[list[str], bool]] = []
    words: list[str] = []
    fed = False
    for tok in lexer:
        if tok in OPERATORS or tok == "\n":
            if words:
                out.append((words, fed))
            words, fed = [], tok in ("|", "|&")
        elif tok.startswith("<") and not tok.startswith("<("):
            fed = True
            words.append(tok)
        else:
            words.append(tok)
    if words:
        out.append((words, fed))
    return out


HEREDOC = re.compile(r"<<-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1")


def _strip_heredocs(command: str) -> str:
    """Drop here-document bodies: their lines are data, not commands."""
    lines, out, i = command.split("\n"), [], 0
    while i < len(lines):
        out.append(lines[i])
        ends = [m.group(2) for m in HEREDOC.finditer(lines[i])]
        i += 1
        for word in ends:
            while i < len(lines) and lines[i].strip() != word:
                i += 1
            i += 1
    return "\n".join(out)


def _gives_message(arg: str) -> bool:
    if arg.startswith("--"):
        return arg.split("=", 1)[0] in ("--message", "--file", "--reuse-message", "--no-edit", "--fixup")
    # -m, -F, -C and short-option clusters such as -am
    return arg.startswith("-") and any(c in arg[1:] for c in "mFC")


def interactive_problem(command: str) -> str | None:
    """A hint when the command would wait for a terminal (an editor, a pager, a bare REPL, git's editor)."""
    try:
        commands = _simple_commands(_strip_heredocs(command).replace("\n", " ; "))
    except ValueError:
        return None  # unbalanced quotes: let bash report it
    for words, fed in commands:
        while words and ("=" in words[0] and not words[0].startswith("=") or words[0] in PREFIXES
                         or (words[0].startswith("-") or words[0].isdigit()) and len(words) > 1):
            words = words[1:]  # env assignments, `sudo`/`time`/`timeout N` and their flags
        if not words:
            continue
        prog = words[0].rsplit("/", 1)[-1]
        args = words[1:]
        if prog in INTERACTIVE:
            return f"`{prog}` is interactive and cannot run here: {INTERACTIVE[prog]}"
        base = prog.rstrip("0123456789.") if prog.startswith("python") else prog
        if base in REPLS and not fed and all(a in ("-i", "-q", "-u") for a in args):
            flag = {"node": "-e", "irb": "-e", "lua": "-e", "R": "-e"}.get(base, "-c")
            return (f"`{prog}` without a script would start an interactive session: pass code with "
                    f"`{prog} {flag} '...'`, a file, or a heredoc (`{prog} <<'EOF' ... EOF`)")
        if prog == "git" and args:
            sub, rest = args[0], args[1:]
            if sub == "commit" and not any(_gives_message(a) for a in rest):
                return ("`git commit` without a message opens an editor: use `git commit -m \"message\"` (committing "
                        "is optional: the patch is taken from the working tree)")
            if sub == "rebase" and any(a in ("-i", "--interactive") for a in rest):
                return "interactive rebase needs an editor; use non-interactive git commands"
            if sub in ("add", "checkout", "reset", "restore", "stash", "commit") and any(
                    a in ("-p", "--patch", "-i", "--interactive") for a in rest):
                return f"`git {sub} {' '.join(rest)}` asks questions interactively; name the files instead"
    return None


def run_bash(ws: Workspace, args: BashArgs) -> Observation:
    from .sandbox.base import mask_secrets, secret_values  # with a run (a reader of tools needs none)

    command = args.command.strip()
    if not command:
        return Observation.fail("command is empty; give a bash command, e.g. {\"command\": \"ls -la\"}")
    problem = interactive_problem(command)
    if problem:
        return Observation.fail(problem, command=command)
    result = ws.exec(command, timeout=ws.command_timeout)
    secrets = secret_values()
    output = mask_secrets(result.output, secrets).rstrip("\n")
    status = f"exit code: {result.exit_code}" + (", timed out" if result.timed_out else "") + \
        f", {result.duration:.1f}s"
    text = (output if output else "(no output)") + f"\n[{status}]"
    return observe(text, ok=True, budget=ws.observation_budget, command=mask_secrets(command, secrets),
                  exit_code=result.exit_code, timed_out=result.timed_out, duration=round(result.duration, 3),
                  output_capped=result.truncated)


bash_tool = Tool(name="bash", description=DESCRIPTION, args=BashArgs, fn=git_errors_observed(run_bash), runs_commands=True)
