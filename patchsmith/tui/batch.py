"""A batch at a glance: the summary of a run folder (distributions, outcomes, exit reasons, tool usage and error
rates, tokens by tool and prompt part) and the task table's field filters. The numbers come from tui/stats.py."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer

from .detail import DetailView
from .importers import RunFolder, RunSummary
from .model import RunModel, open_model
from .stats import (
    Distribution,
    PromptParts,
    RunDetail,
    ToolUse,
    counts,
    histogram,
    merge_parts,
    merge_tool_usage,
    outcome_of,
    run_detail,
)

FILTER_FIELDS = ("exit", "outcome", "resolved", "repo", "strategy", "errors")
_TOKEN = re.compile(r'(\w+):("[^"]*"|\S+)|("[^"]*"|\S+)')
_BARS = " ▁▂▃▄▅▆▇█"


def read_detail(run: RunSummary) -> RunDetail | None:
    """All of a run's steps, for its tool and token breakdown; None when its file cannot be read."""
    try:
        model = open_model(run.path)
    except (ValueError, OSError):
        return None
    steps = [model.step(i) for i in range(len(model))]
    return run_detail(steps, str(model.header.task.get("problem_statement") or ""))


@dataclass
class RunFilter:
    """`exit:max_steps resolved:no repo:django strategy:react errors:>0 outcome:error` plus free words."""
    fields: dict[str, str] = field(default_factory=dict)
    words: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str) -> RunFilter:
        out = cls()
        for name, value, word in _TOKEN.findall(text):
            if name and name.lower() in FILTER_FIELDS:
                out.fields[name.lower()] = value.strip('"').lower()
            else:
                out.words.append((word or f"{name}:{value}").strip('"').lower())
        return out

    def matches(self, run: RunSummary, detail: RunDetail | None, cells: str) -> bool:
        text = cells.lower()
        if any(w not in text for w in self.words):
            return False
        for name, value in self.fields.items():
            if not _field_matches(name, value, run, detail):
                return False
        return True


def _field_matches(name: str, value: str, run: RunSummary, detail: RunDetail | None) -> bool:
    if name == "exit":
        return value in run.exit_reason.lower()
    if name == "repo":
        return value in run.repo.lower()
    if name == "strategy":
        return value in run.strategy.lower()
    if name == "outcome":
        return outcome_of(run.resolved, run.exit_reason, run.error).startswith(value)
    if name == "resolved":
        want = {"yes": True, "true": True, "y": True, "no": False, "false": False, "n": False}.get(value, None)
        return run.resolved is want
    if name == "errors":
        if detail is None:
            return False  # not known yet (still reading the runs) or unreadable
        found = re.fullmatch(r"(>=|<=|>|<|=)?(\d+)", value)
        if value in ("yes", "y", "any"):
            return detail.tool_errors > 0
        if value in ("no", "n", "none"):
            return detail.tool_errors == 0
        if found:
            op, n = found.group(1) or "=", int(found.group(2))
            e = detail.tool_errors
            return {">": e > n, "<": e < n, ">=": e >= n, "<=": e <= n, "=": e == n}[op]
    return True


def _num(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.4g}"


def _spark(values: list[float]) -> str:
    bins = histogram(values, 12)
    top = max((c for _, _, c in bins), default=0)
    return "".join(_BARS[min(8, round(c / top * 8))] if top else " " for _, _, c in bins)


def _table(title: str, columns: list[str], rows: list[list[str]]) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold", expand=False)
    for i, name in enumerate(columns):
        table.add_column(name, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*row)
    return table


def summary_renderable(folder: RunFolder, details: dict[int, RunDetail | None]) -> RenderableType:
    runs = folder.runs
    parts: list[RenderableType] = [Text(f"{folder.path}  ·  {len(runs)} tasks", style="bold")]
    outcomes = counts(outcome_of(r.resolved, r.exit_reason, r.error) for r in runs)
    parts.append(Text("  ".join(f"{name}: {n}" for name, n in outcomes), style="bold"))
    rows = []
    for name, values in (("steps", [float(r.steps) for r in runs]), ("tokens", [float(r.tokens) for r in runs]),
                         ("cost ($)", [r.cost for r in runs]), ("wall time (s)", [r.wall_s for r in runs])):
        d = Distribution(name, values).row()
        rows.append([name, *(_num(d[k]) for k in ("min", "median", "mean", "p90", "max")), _spark(values)])
    parts.append(_table("Per task", ["measure", "min", "median", "mean", "p90", "max", "distribution"], rows))
    parts.append(_table("Exit reasons", ["exit reason", "tasks"],
                        [[k, str(v)] for k, v in counts(r.exit_reason or "(none)" for r in runs)]))
    known = [d for d in details.values() if d is not None]
    if len(details) < len(runs):
        parts.append(Text(f"reading the runs' steps… {len(details)}/{len(runs)}", style="dim"))
    parts += token_tables(merge_tool_usage(d.tools for d in known), merge_parts(d.parts for d in known))
    return Group(*parts)


def token_tables(tools: list[ToolUse], prompt: PromptParts) -> list[RenderableType]:
    """Where the tokens went: by tool (with usage and error rate) and by prompt part."""
    return [
        _table("Tools: usage, error rate, tokens (reply that called it + observation it returned), cost",
               ["tool", "steps", "errors", "error rate", "reply tok", "observation tok", "cost"],
               [[u.tool, f"{u.steps:,}", f"{u.errors:,}", f"{u.error_rate:.1%}", f"{u.reply_tokens:,}",
                 f"{u.observation_tokens:,}", f"${u.cost:.4f}"] for u in tools]),
        _table("Prompt tokens by part (estimated)", ["part", "tokens", "share"],
               [[r["part"], f"{r['prompt tokens']:,}", f"{r['share']:.1%}"] for r in prompt.as_rows()])]


class TokensScreen(Screen):
    """One run: tokens and cost by tool and by prompt part (reads every step; t in the run view)."""

    BINDINGS = [Binding("q,t,escape", "close", "Back to the run")]

    def __init__(self, model: RunModel) -> None:
        super().__init__()
        self.model = model

    def compose(self) -> ComposeResult:
        yield DetailView(id="run-tokens")
        yield Footer()

    def on_mount(self) -> None:
        steps = [self.model.step(i) for i in range(len(self.model))]
        detail = run_detail(steps, str(self.model.header.task.get("problem_statement") or ""))
        total = sum(s.usage.prompt_tokens + s.usage.completion_tokens for s in steps)
        title = Text(f"Where the tokens went: {total:,} tokens, ${sum(s.usage.cost for s in steps):.4f} over "
                     f"{len(steps)} steps", style="bold")
        self.query_one(DetailView).show(Group(title, *token_tables(detail.tools, detail.parts)))
        self.query_one(DetailView).focus()

    def action_close(self) -> None:
        self.app.pop_screen()


class BatchSummaryScreen(Screen):
    BINDINGS = [Binding("q,S,escape", "close", "Back to the tasks")]

    def __init__(self, folder: RunFolder, details: dict[int, RunDetail | None]) -> None:
        super().__init__()
        self.folder = folder
        self.details = details

    def compose(self) -> ComposeResult:
        yield DetailView(id="batch-summary")
        yield Footer()

    def on_mount(self) -> None:
        self.redraw()
        self.query_one(DetailView).focus()

    def redraw(self) -> None:
        self.query_one(DetailView).show(summary_renderable(self.folder, self.details))

    def action_close(self) -> None:
        self.app.pop_screen()
