"""A batch/run folder: a table of runs, sortable by each column and filterable by text; Enter opens one."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from patchsmith.tools.safetext import inert
from patchsmith.tui.importers import RunFolder, RunSummary

COLUMNS = [("task", "task"), ("resolved", "resolved"), ("steps", "steps"), ("tokens", "tokens"),
           ("cost", "cost"), ("wall_s", "wall time"), ("exit_reason", "exit reason")]


def _cells(run: RunSummary) -> tuple[str, ...]:
    resolved = {True: "✓ yes", False: "✗ no", None: "–"}[run.resolved]
    exit_reason = run.exit_reason + (" (incomplete)" if run.incomplete and run.exit_reason != "incomplete" else "")
    return (run.task, resolved, str(run.steps), f"{run.tokens:,}", f"${run.cost:.4f}", f"{run.wall_s:.1f}s",
            exit_reason)


def _sort_key(run: RunSummary, column: str) -> tuple:
    value = getattr(run, column)
    if column == "resolved":
        value = {True: 2, False: 1, None: 0}[value]
    return (value,)


class RunsScreen(Screen):
    BINDINGS = [
        Binding("slash", "focus_filter", "Filter"),
        Binding("s", "cycle_sort", "Sort"),
        Binding("r", "reverse", "Reverse"),
        Binding("question_mark", "help", "Help", show=False),
        Binding("q", "back", "Quit"),
    ]

    def __init__(self, folder: RunFolder) -> None:
        super().__init__()
        self.folder = folder
        self.sort_column = "task"
        self.reverse = False
        self.filter_text = ""

    def compose(self) -> ComposeResult:
        yield Static(f"{self.folder.path}  ·  {len(self.folder.runs)} runs", id="runs-title")
        yield Input(placeholder="filter runs by text (task, exit reason…)", id="runs-filter")
        yield DataTable(id="runs", cursor_type="row", zebra_stripes=True)
        yield Static("Enter opens a run · click a column header (or s) to sort · / filters", id="runs-hint")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, label in COLUMNS:
            table.add_column(label, key=key)
        self.refill()
        table.focus()

    def visible_runs(self) -> list[tuple[int, RunSummary]]:
        needle = self.filter_text.lower()
        rows = [(i, r) for i, r in enumerate(self.folder.runs) if not needle or needle in " ".join(_cells(r)).lower()]
        rows.sort(key=lambda ir: _sort_key(ir[1], self.sort_column), reverse=self.reverse)
        return rows

    def refill(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for i, run in self.visible_runs():
            table.add_row(*(Text(inert(cell)) for cell in _cells(run)), key=str(i))  # ids and paths: plain
        arrow = "▼" if self.reverse else "▲"
        label = dict(COLUMNS)[self.sort_column]
        self.query_one("#runs-title", Static).update(Text(
            f"{inert(str(self.folder.path))}  ·  {table.row_count}/{len(self.folder.runs)} runs  ·  sorted by {label} {arrow}"))

    def on_input_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value
        self.refill()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(DataTable).focus()

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        column = str(event.column_key.value)
        self.reverse = not self.reverse if column == self.sort_column else False
        self.sort_column = column
        self.refill()

    def action_cycle_sort(self) -> None:
        keys = [k for k, _ in COLUMNS]
        self.sort_column = keys[(keys.index(self.sort_column) + 1) % len(keys)]
        self.reverse = False
        self.refill()

    def action_reverse(self) -> None:
        self.reverse = not self.reverse
        self.refill()

    def action_focus_filter(self) -> None:
        self.query_one("#runs-filter", Input).focus()

    def action_help(self) -> None:
        from .dialogs import HelpScreen

        self.app.push_screen(HelpScreen())

    def action_back(self) -> None:
        self.app.action_back()  # type: ignore[attr-defined]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        run = self.folder.runs[int(str(event.row_key.value))]
        self.app.open_run(run.path)  # type: ignore[attr-defined]
