"""The plain console front end: streams steps as they happen and asks for approvals at the prompt."""

from __future__ import annotations

import json
import re
import sys
from typing import IO, Any

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.syntax import Syntax

from ..agent.events import Answer, ApprovalRequest, Decision, Question
from ..agent.trajectory import Event, ExitReason, Header, Result, Step
from ..tools.safetext import inert

OBS_LINES = 6


def shown(text: str) -> str:
    """Model-, repository- or user-controlled text for a markup string: inert, and never read as markup."""
    return escape(inert(text))


def show_patch(console: Console, patch: str, unsure: list[dict[str, Any]] | None = None) -> None:
    """The patch as it will be applied, byte for byte visible: no escape code can hide one of its lines.
    Hunks the agent said it is unsure of get a `# UNSURE` line above them (not part of the patch)."""
    console.print(Syntax(inert(mark_unsure(patch, unsure) if unsure else patch), "diff", word_wrap=True))


HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


def mark_unsure(patch: str, unsure: list[dict[str, Any]]) -> str:
    """The patch with a `# UNSURE: why` line before each hunk that overlaps a part the agent doubts."""
    out: list[str] = []
    current = ""
    for line in patch.split("\n"):
        if line.startswith("+++ "):
            current = line[4:].removeprefix("b/")
        m = HUNK.match(line)
        if m:
            start = int(m.group(1))
            end = start + max(1, int(m.group(2) if m.group(2) is not None else 1)) - 1
            for part in unsure:
                if str(part.get("file", "")).removeprefix("./") == current and \
                        int(part.get("start", 0)) <= end and int(part.get("end", 0)) >= start:
                    out.append(f"# UNSURE (lines {part.get('start')}-{part.get('end')}): {part.get('why', '')}")
        out.append(line)
    return "\n".join(out)


def show_confidence(console: Console, confidence: float | None, unsure: list[dict[str, Any]]) -> None:
    """How sure the agent said it is, and the parts it doubts, next to the patch they concern."""
    if confidence is None and not unsure:
        return
    level = "unknown" if confidence is None else f"{confidence:.2f}"
    colour = "green" if confidence is not None and confidence >= 0.7 else "yellow"
    console.print(f"[{colour}]agent's confidence: {shown(level)}[/]", highlight=False)
    for part in unsure:
        console.print(f"  [yellow]unsure[/] {shown(str(part.get('file')))}:{part.get('start')}-{part.get('end')}"
                      f" — {shown(str(part.get('why', '')))}", highlight=False)


class ConsoleObserver:
    def __init__(self, console: Console, verbose: bool = False):
        self.console = console
        self.verbose = verbose
        self._streamed = False  # this step's thought was already shown as it streamed (--stream)

    def on_delta(self, text: str) -> None:
        """A piece of the model's reply as it arrives (made inert: model output never reaches the terminal
        as control sequences)."""
        if not self._streamed:
            self.console.print("[dim]  …[/] ", end="")
            self._streamed = True
        self.console.print(inert(text), end="", style="italic", highlight=False, markup=False)

    def on_header(self, header: Header) -> None:
        model, mode = str(header.model.get("name")), str(header.config.get("mode"))
        self.console.print(f"[bold]patchsmith[/] run {shown(header.run_id)} · model [cyan]{shown(model)}[/] · "
                           f"mode {shown(mode)}")

    def on_step(self, step: Step) -> None:
        c = self.console
        if self._streamed:
            c.print()
            self._streamed = False
        elif step.thought:
            thought = step.thought if self.verbose or len(step.thought) < 400 else step.thought[:400] + " …"
            c.print(f"[dim]{step.index:>3}[/] [italic]{shown(thought)}[/]", highlight=False)
        if step.action:
            args = {k: (v if len(str(v)) < 120 else str(v)[:117] + "...") for k, v in step.action.args.items()}
            c.print(f"    [bold magenta]{shown(step.action.tool)}[/] {shown(json.dumps(args, ensure_ascii=False))}",
                    highlight=False)
        lines = inert(step.observation.text).split("\n")
        kept = lines if self.verbose else lines[:OBS_LINES]
        style = "green" if step.observation.ok else "red"
        for line in kept:
            c.print(f"    │ {line}", style=None if step.observation.ok else "red", highlight=False, markup=False)
        if len(kept) < len(lines):
            c.print(f"    [{style}]│ … {len(lines) - len(kept)} more lines[/]")

    def on_event(self, event: Event) -> None:
        if event.kind == "answer":
            said = shown(event.text) if event.text else "[italic]declined[/]"
            self.console.print(f"[cyan]· answer ({shown(str(event.data.get('source', 'user')))}): {said}[/]")
        if event.kind in ("condensed", "user_message", "error"):
            self.console.print(f"[yellow]· {shown(event.kind)}: {shown(event.text)}[/]")

    def on_result(self, result: Result) -> None:
        t = result.totals
        colour = "green" if result.exit_reason == ExitReason.SUBMITTED else "yellow"
        self.console.print(f"[{colour}]run ended: {shown(str(result.exit_reason))}[/] · {t.steps} steps · "
                           f"{t.prompt_tokens + t.completion_tokens} tokens · ${t.cost:.4f} · {t.wall_s:.1f}s")
        if result.error:
            self.console.print(f"[red]{shown(result.error)}[/]")


class ConsoleApprover:
    """Asks y/n/e at the terminal; `always` stops asking for that tool for the rest of the run."""

    def __init__(self, console: Console, stdin: IO[str] | None = None):
        self.console = console
        self.stdin = stdin or sys.stdin
        self.always: set[str] = set()

    def decide(self, request: ApprovalRequest) -> Decision:
        if request.tool in self.always:
            return Decision(approved=True, message="approved for the rest of the run")
        lexer = "diff" if request.preview.startswith("---") else "bash"
        self.console.print(Panel(Syntax(inert(request.preview), lexer, word_wrap=True),
                                 title=shown(f"{request.tool}: {request.reason}"), expand=False))
        while True:
            self.console.print(f"[bold]Allow?[/] {escape('[y]es / [n]o / [e]dit / [a]lways')} for this tool: ",
                               end="")
            answer = self.stdin.readline()
            if not answer:  # end of input: nobody can approve
                return Decision(approved=False, message="no approval possible (input closed)")
            answer = answer.strip().lower()
            if answer in ("y", "yes"):
                return Decision(approved=True)
            if answer in ("a", "always"):
                self.always.add(request.tool)
                return Decision(approved=True)
            if answer in ("n", "no"):
                self.console.print("Message to the agent (optional): ", end="")
                return Decision(approved=False, message=self.stdin.readline().strip())
            if answer in ("e", "edit") and "command" in request.args:
                self.console.print("New command: ", end="")
                command = self.stdin.readline().strip()
                if command:
                    return Decision(approved=True, args={**request.args, "command": command})


class ConsoleAsker:
    """Shows the agent's question (and its choices, numbered); a number picks a choice, other text is the
    answer, an empty line or end of input declines."""

    def __init__(self, console: Console, stdin: IO[str] | None = None):
        self.console = console
        self.stdin = stdin or sys.stdin

    def ask(self, question: Question) -> Answer:
        lines = [inert(question.text)] + [f"  {i}. {inert(c)}" for i, c in enumerate(question.choices, 1)]
        self.console.print(Panel("\n".join(lines), title="the agent asks", expand=False), markup=False)
        pick = " (a number picks a choice)" if question.choices else ""
        self.console.print(f"[bold]Your answer[/]{pick}, or Enter to decline: ", end="")
        line = self.stdin.readline()
        text = line.strip()
        if text.isdigit() and 1 <= int(text) <= len(question.choices):
            text = question.choices[int(text) - 1]
        return Answer(text=text or None, source="user")


def ask_yes_no(console: Console, question: str, stdin: IO[str] | None = None) -> bool:
    console.print(f"[bold]{shown(question)}[/] {escape('[y/N]')} ", end="")
    answer = (stdin or sys.stdin).readline().strip().lower()
    return answer in ("y", "yes")
