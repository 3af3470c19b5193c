"""A batch/run folder: a table of runs, sortable by each column and filterable by text and fields
(`exit:… resolved:… repo:… strategy:… errors:… outcome:…`); S shows the batch summary; Enter opens a run."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from patchsmith.tools.safetext import inert
from patchsmith.tui.importers import RunFolder, RunSummary

from .batch import BatchSummaryScreen, RunFilter, read_detail
from .stats import RunDetail

COLUMNS = [("task", "task"), ("resolved", "resolved"), ("steps", "steps"), ("tokens", "tokens"),
           ("cost", "cost"), ("wall_s", "wall time"), ("exit_reason", "exit reason"), ("tool_errors", "tool errors"),
           ("repo", "repository"), ("strategy", "strategy"), ("verdict", "verdict")]


def _cells(run: RunSummary, detail: RunDetail | None = None, known: bool = False) -> tuple[str, ...]:
    resolved = {True: "✓ yes", False: "✗ no", None: "–"}[run.resolved]
    exit_reason = run.exit_reason + (" (incomplete)" if run.incomplete and run.exit_reason != "incomplete" else "")
    errors = str(detail.tool_errors) if detail is not None else ("?" if known else "…")
    errors = "–" if run.attempt is not None else errors  # read for tasks (the summary's numbers), not attempts
    task = run.task if run.attempt is None else f"  └ attempt {run.attempt}"  # grouped under its task's row
    return (task, resolved, str(run.steps), f"{run.tokens:,}", f"${run.cost:.4f}", f"{run.wall_s:.1f}s",
            exit_reason, errors, run.repo, run.strategy, run.verdict)


def _sort_key(run: RunSummary, column: str, detail: RunDetail | None = None) -> tuple:
    if column == "tool_errors":
        return (detail.tool_errors if detail is not None else -1,)
    value = getattr(run, column)
    if column == "resolved":
        value = {True: 2, False: 1, None: 0}[value]
    return (value,)


class RunsScreen(Screen):
    BINDINGS = [
        Binding("slash", "focus_filter", "Filter"),
        Binding("s", "cycle_sort", "Sort"),
        Binding("r", "reverse", "Reverse"),
        Binding("S", "summary", "Summary"),
        Binding("question_mark", "help", "Help", show=False),
        Binding("q", "back", "Quit"),
    ]

    def __init__(self, folder: RunFolder) -> None:
        super().__init__()
        self.folder = folder
        self.sort_column = "task"
        self.reverse = False
        self.filter_text = ""
        self.details: dict[int, RunDetail | None] = {}  # filled in the background: tool errors, token breakdown

    def compose(self) -> ComposeResult:
        yield Static(f"{self.folder.path}  ·  {len(self.folder.runs)} runs", id="runs-title")
        yield Input(placeholder="filter: text, or exit:… resolved:yes|no repo:… strategy:… errors:>0 outcome:error",
                    id="runs-filter")
        yield DataTable(id="runs", cursor_type="row", zebra_stripes=True)
        yield Static("Enter opens a run · click a column header (or s) to sort · / filters · S: batch summary",
                     id="runs-hint")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, label in COLUMNS:
            table.add_column(label, key=key)
        self.refill()
        table.focus()
        self.set_timer(0.15, self._read_details)

    @work(thread=True, exclusive=True, group="details")
    def _read_details(self) -> None:
        for i, run in enumerate(list(self.folder.runs)):
            detail = read_detail(run)
            self.app.call_from_thread(self._got_detail, i, detail)

    def _got_detail(self, i: int, detail: RunDetail | None) -> None:
        self.details[i] = detail
        if len(self.details) == len(self.folder.runs) or len(self.details) % 20 == 0:
            self.refill()
        for screen in self.app.screen_stack:
            if isinstance(screen, BatchSummaryScreen) and screen.details is self.details:
                screen.redraw()

    @property
    def details_done(self) -> bool:
        return len(self.details) == len(self.folder.runs)

    def _row_cells(self, i: int, run: RunSummary) -> tuple[str, ...]:
        return _cells(run, self.details.get(i), i in self.details)

    def visible_runs(self) -> list[tuple[int, RunSummary]]:
        """The tasks that pass the filter, sorted (their attempts are not rows of their own: see table_rows)."""
        wanted = RunFilter.parse(self.filter_text)
        rows = [(i, r) for i, r in enumerate(self.folder.runs)
                if wanted.matches(r, self.details.get(i), " ".join(self._row_cells(i, r)))]
        rows.sort(key=lambda ir: _sort_key(ir[1], self.sort_column, self.details.get(ir[0])), reverse=self.reverse)
        return rows

    def table_rows(self) -> list[tuple[str, tuple[str, ...]]]:
        """(row key, cells): each visible task, then its strategy's attempts in the order they ran."""
        out = []
        for i, run in self.visible_runs():
            out.append((str(i), self._row_cells(i, run)))
            out += [(f"{i}.{k}", _cells(a, None, True)) for k, a in enumerate(run.attempts)]
        return out

    def run_at(self, key: str) -> RunSummary:
        task, _, attempt = key.partition(".")
        run = self.folder.runs[int(task)]
        return run.attempts[int(attempt)] if attempt else run

    def refill(self) -> None:
        table = self.query_one(DataTable)
        keep = None
        if table.row_count and 0 <= table.cursor_row < table.row_count:
            keep = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value  # stay on the same run
        table.clear()
        rows = self.table_rows()
        for key, cells in rows:
            table.add_row(*(Text(inert(cell)) for cell in cells), key=key)  # plain text
        if keep is not None and keep in {key for key, _ in rows}:
            table.move_cursor(row=table.get_row_index(keep), animate=False)
        arrow = "▼" if self.reverse else "▲"
        label = dict(COLUMNS)[self.sort_column]
        self.query_one("#runs-title", Static).update(Text(
            f"{inert(str(self.folder.path))}  ·  {sum('.' not in key for key, _ in rows)}/{len(self.folder.runs)} runs"
            f"  ·  sorted by {label} {arrow}"))

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

    def action_summary(self) -> None:
        self.app.push_screen(BatchSummaryScreen(self.folder, self.details))

    def action_focus_filter(self) -> None:
        self.query_one("#runs-filter", Input).focus()

    def action_help(self) -> None:
        from .dialogs import HelpScreen

        self.app.push_screen(HelpScreen())

    def action_back(self) -> None:
        self.app.action_back()  # type: ignore[attr-defined]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.app.open_run(self.run_at(str(event.row_key.value)).path)  # type: ignore[attr-defined]
