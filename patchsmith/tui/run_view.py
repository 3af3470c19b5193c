"""One run: header (problem statement, totals), timeline, step list and the selected step's detail."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.widgets import Collapsible, Input, Static

from patchsmith.agent.trajectory import Header, Result, Step

from .detail import DetailView
from .model import RunModel
from .render import render_patch, render_step, totals_text
from .step_list import StepList
from .timeline import Timeline


class RunView(Vertical):
    BINDINGS = [
        Binding("slash", "search", "Search"),
        Binding("n", "next_hit", "Next hit", show=False),
        Binding("N", "prev_hit", "Prev hit", show=False),
        Binding("f", "filter", "Filter tool"),
        Binding("e", "next_error", "Next error"),
        Binding("a", "next_question", "Next Q/A", show=False),
        Binding("d", "toggle_diff", "Diff"),
        Binding("t", "tokens", "Tokens", show=False),
        Binding("p", "toggle_problem", "Problem", show=False),
        Binding("J,shift+down", "scroll_detail(3)", "Scroll detail", show=False),
        Binding("K,shift+up", "scroll_detail(-3)", "Scroll detail", show=False),
        Binding("question_mark", "help", "Help"),
        Binding("q", "back", "Back/Quit"),
    ]

    def __init__(self, model: RunModel, *, live: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.model = model
        self.live = live
        self.live_help = live  # stays on after the run ends, so ? still lists the live keys
        self.diff_mode = False
        self.current = 0
        self.hits: list[int] = []
        self.query_text = ""
        self.tool_filter: str | None = None
        self._timeline_due = False

    def compose(self) -> ComposeResult:
        with Vertical(id="run-header"):
            with Collapsible(title="Problem statement", collapsed=True, id="problem-box"):
                yield Static(self._problem(), id="problem", markup=False)
            yield Static(totals_text(self.model, running=self.live), id="totals")
        yield Timeline(id="timeline")
        with Horizontal(id="body"):
            steps = StepList(self.model, id="steps")
            steps.follow = self.live
            yield steps
            yield DetailView(id="detail")
        yield Static("", id="status")

    def _problem(self) -> str:
        return str(self.model.header.task.get("problem_statement") or "(no problem statement recorded)")

    def on_mount(self) -> None:
        steps = self.query_one(StepList)
        steps.focus()
        if len(self.model):
            self.show_step(0)
        else:
            self.query_one(DetailView).show(Text("(no steps yet)", style="dim"))
        # Whole-run facts (timeline, search text) are computed after the first paint, off the UI thread;
        # the short delay keeps that thread from competing with the first frame for the interpreter.
        self.set_timer(0.15, self._index_in_background)

    def _index_in_background(self) -> None:
        if self.model.indexed or not len(self.model):
            self._refresh_timeline()
        else:
            self._build_index()

    @work(thread=True, exclusive=True, group="index")
    def _build_index(self) -> None:
        self.model.ensure_index()
        self.app.call_from_thread(self._refresh_timeline)

    def _refresh_timeline(self) -> None:
        try:
            timeline = self.query_one(Timeline)
            timeline.set_series(*self.model.series())
            timeline.mark(self.current)
            self._refresh_totals()  # imported files may only know their token totals once indexed
        except NoMatches:
            pass  # the run was closed while it was being indexed

    # --- showing a step -----------------------------------------------------------------------
    def show_step(self, index: int) -> None:
        self.current = index
        detail = self.query_one(DetailView)
        if self.diff_mode:
            detail.show(render_patch(self.model, index))
        else:
            detail.show(render_step(self.model.step(index), len(self.model), self.model.exchange(index)))
        if self.model.indexed:
            self.query_one(Timeline).mark(index)

    def on_step_list_selected(self, message: StepList.Selected) -> None:
        self.show_step(message.index)

    def status(self, text: str) -> None:
        self.query_one("#status", Static).update(text, layout=False)

    # --- live updates -------------------------------------------------------------------------
    def add_header(self, header: Header) -> None:
        self.model.header = header
        self.query_one("#problem", Static).update(self._problem())
        self._refresh_totals()

    def add_step(self, step: Step) -> None:
        self.model.append(step)
        index = len(self.model) - 1
        steps = self.query_one(StepList)
        if self.tool_filter is None or (step.action and step.action.tool == self.tool_filter):
            first = not steps.rows
            steps.add_row(index)
            if first:
                steps.move_to(0)
        self._refresh_totals()
        if not self._timeline_due:  # redraw the charts at most a few times a second, however fast steps come
            self._timeline_due = True
            self.set_timer(0.25, self._timeline_tick)

    def _timeline_tick(self) -> None:
        self._timeline_due = False
        self._refresh_timeline()

    def add_result(self, result: Result) -> None:
        self.model.result = result
        self.model.incomplete = False
        self.live = False
        self._refresh_totals()
        if self.diff_mode:
            self.show_step(self.current)

    def _refresh_totals(self) -> None:
        self.query_one("#totals", Static).update(totals_text(self.model, running=self.live))

    # --- actions ------------------------------------------------------------------------------
    async def action_search(self) -> None:
        found = self.query("#search")
        if found:
            box = found.first(Input)
        else:  # mounted on first use: one widget less to build before the first paint
            box = Input(placeholder="search thoughts, actions, observations (Enter to find, Esc to cancel)",
                        id="search")
            await self.mount(box, before=self.query_one("#status"))
        box.display = True
        box.value = self.query_text
        box.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "search":
            return
        event.stop()
        self.run_search(event.value)
        event.input.display = False
        self.query_one(StepList).focus()

    def on_key(self, event) -> None:
        found = self.query("#search")
        box = found.first(Input) if found else None
        if event.key == "escape" and box is not None and box.display:
            event.stop()
            box.display = False
            self.query_one(StepList).focus()

    def run_search(self, text: str) -> None:
        self.query_text = text
        steps = self.query_one(StepList)
        visible = set(steps.rows)
        self.hits = [i for i in self.model.search(text) if i in visible] if text else []
        steps.hits = set(self.hits)
        steps.refresh()
        if not self.hits:
            self.status(f"no match for {text!r}" if text else "")
            return
        after = [i for i in self.hits if i >= self.current]
        self._goto_hit(after[0] if after else self.hits[0])

    def _goto_hit(self, index: int) -> None:
        steps = self.query_one(StepList)
        row = steps.row_of(index)
        if row is not None and row != steps.cursor:
            steps.move_to(row)  # its Selected message draws the step
        self.status(f"hit {self.hits.index(index) + 1}/{len(self.hits)} for {self.query_text!r}  (n/N: next/previous)")

    def action_next_hit(self) -> None:
        if self.hits:
            later = [i for i in self.hits if i > self.current]
            self._goto_hit(later[0] if later else self.hits[0])

    def action_prev_hit(self) -> None:
        if self.hits:
            earlier = [i for i in self.hits if i < self.current]
            self._goto_hit(earlier[-1] if earlier else self.hits[-1])

    def action_filter(self) -> None:
        from .dialogs import ToolFilterScreen  # dialogs load on first use, not before the first paint

        self.app.push_screen(ToolFilterScreen(self.model.tools(), self.tool_filter), self.apply_filter)

    def apply_filter(self, tool: str | None) -> None:
        self.tool_filter = tool
        facts = self.model.ensure_index()
        rows = list(range(len(self.model))) if tool is None else [i for i, f in enumerate(facts) if f.tool == tool]
        steps = self.query_one(StepList)
        steps.set_rows(rows, keep=self.current)
        if self.query_text:
            self.hits = [i for i in self.model.search(self.query_text) if i in set(rows)]
            steps.hits = set(self.hits)
        self.status(f"showing {len(rows)} {tool} steps (f to change)" if tool else f"showing all {len(rows)} steps")
        if not rows:
            self.query_one(DetailView).show(Text("(no steps with this tool)", style="dim"))

    def action_next_error(self) -> None:
        facts = self.model.ensure_index()
        steps = self.query_one(StepList)
        for row in list(range(steps.cursor + 1, len(steps.rows))) + list(range(0, steps.cursor + 1)):
            if facts[steps.rows[row]].error:
                steps.move_to(row)
                self.status(f"error at step {steps.rows[row] + 1}")
                return
        self.status("no errors in these steps")

    def action_next_question(self) -> None:
        """The next `ask_user` step (the questions the agent asked and what it was told), wrapping around."""
        facts = self.model.ensure_index()
        steps = self.query_one(StepList)
        for row in list(range(steps.cursor + 1, len(steps.rows))) + list(range(0, steps.cursor + 1)):
            if facts[steps.rows[row]].tool == "ask_user":
                steps.move_to(row)
                self.status(f"question at step {steps.rows[row] + 1}")
                return
        self.status("no questions in these steps")

    def action_toggle_diff(self) -> None:
        self.diff_mode = not self.diff_mode
        self.status("patch view (d: back to the step)" if self.diff_mode else "")
        if len(self.model):
            self.show_step(self.current)

    def action_scroll_detail(self, lines: int) -> None:
        detail = self.query_one(DetailView)
        detail.scroll_to(y=detail.scroll_offset.y + lines, animate=False)

    def action_tokens(self) -> None:
        from .batch import TokensScreen

        self.app.push_screen(TokensScreen(self.model))

    def action_toggle_problem(self) -> None:
        box = self.query_one("#problem-box", Collapsible)
        box.collapsed = not box.collapsed

    def action_help(self) -> None:
        from .dialogs import HelpScreen

        self.app.push_screen(HelpScreen(live=self.live_help))

    def action_back(self) -> None:
        self.app.action_back()  # type: ignore[attr-defined]
