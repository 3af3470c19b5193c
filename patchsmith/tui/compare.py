"""Two runs side by side: their steps aligned by action and file (tui/align.py), divergence marked, the
workspace at any aligned pair and the final patches diffed. Any mix of our and imported trajectories.

The first paint shows both runs' first steps at once; the alignment needs every step's key, so it is
computed in the background (like the one-run view's index) and the pair list fills in when it is ready.
"""

from __future__ import annotations

import difflib

from rich.console import Group
from rich.rule import Rule
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import Screen
from textual.strip import Strip
from textual.widgets import DataTable, Footer, Static

from .align import Pair, align_keys, divergence
from .detail import DetailView
from .importers import RunFolder
from .model import RunModel
from .render import diff_text, render_step, step_summary
from .rows import RowList

_CURSOR = Style(bgcolor="#1f4e79", bold=True)
_KIND = {"same": ("=", "green"), "changed": ("≠", "yellow"), "only_a": ("A", "magenta"), "only_b": ("B", "magenta")}


def workspace_diff(a: str, b: str, label_a: str = "A", label_b: str = "B") -> str:
    """How workspace B differs from workspace A, both given as patches against the same base commit."""
    if a == b:
        return ""
    return "\n".join(difflib.unified_diff(a.splitlines(), b.splitlines(), f"{label_a} workspace",
                                          f"{label_b} workspace", lineterm=""))


class PairList(RowList):
    """Aligned pairs, one row each, drawn only when on screen (two 5,000-step runs make 5,000+ rows)."""

    class Selected(Message):
        def __init__(self, row: int) -> None:
            self.row = row
            super().__init__()

    def __init__(self, a: RunModel, b: RunModel, **kwargs) -> None:
        super().__init__(**kwargs)
        self.a, self.b = a, b
        self.pairs: list[Pair] = []
        self.diverge: int | None = None
        self.cursor = 0

    def set_pairs(self, pairs: list[Pair]) -> None:
        self.pairs = pairs
        self.diverge = divergence(pairs)
        self.sync_size()

    def row_count(self) -> int:
        return len(self.pairs)

    def scroll_below(self, row: int, height: int) -> int:
        return row - height // 2  # a jump (to the divergence, the next change) lands mid-screen, with context

    def cursor_moved(self, row: int, changed: bool) -> None:
        self.post_message(self.Selected(row))

    def _side(self, model: RunModel, index: int | None, width: int) -> Text:
        if index is None:
            return Text(" " * width)
        step = model.step(index)
        tool = step.action.tool if step.action else "-"
        error = not step.observation.ok or bool(step.observation.error)
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"{index + 1:>5} ")
        text.append("✗" if error else " ", "red bold")
        text.append(f"{tool[:14]:<14} ", "magenta")
        text.append(step_summary(step))
        text.truncate(width, pad=True)
        return text

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        row = int(self.scroll_offset.y) + y
        base = self.rich_style
        if row >= len(self.pairs):
            return Strip.blank(width, base)
        pair = self.pairs[row]
        mark, colour = _KIND[pair.kind]
        half = max((width - 5) // 2, 10)
        line = Text(no_wrap=True)
        line.append(self._side(self.a, pair.a, half))
        line.append(f" {mark} ", f"bold {colour}" + (" reverse" if row == self.diverge else ""))
        line.append(self._side(self.b, pair.b, half))
        segments = [Segment(s.text, base + s.style if s.style else base) for s in line.render(self.app.console, end="")]
        strip = Strip(segments).crop_extend(0, width, base)
        return strip.apply_style(_CURSOR) if row == self.cursor else strip


class CompareScreen(Screen):
    BINDINGS = [
        Binding("x", "divergence", "Divergence"),
        Binding("n", "next_change", "Next change"),
        Binding("d", "workspace", "Workspace diff"),
        Binding("P", "final_patches", "Final patches"),
        Binding("q", "back", "Back/Quit"),
    ]

    def __init__(self, a: RunModel, b: RunModel) -> None:
        super().__init__()
        self.a, self.b = a, b
        self.view_mode = "steps"  # or "workspace" / "patches"

    def compose(self) -> ComposeResult:
        yield Static(self._title(None), id="compare-title")
        yield PairList(self.a, self.b, id="pairs")
        with Horizontal(id="compare-body"):
            yield DetailView(id="detail-a")
            yield DetailView(id="detail-b")
        yield Static("aligning the two runs…", id="compare-status")
        yield Footer()

    def _run_name(self, model: RunModel) -> str:
        task = model.header.task.get("instance_id") or model.header.run_id or model.path or "run"
        return f"{task} [{model.header.source_format}]"

    def _title(self, pairs: list[Pair] | None) -> Text:
        text = Text()
        text.append(f"A: {self._run_name(self.a)} ({len(self.a)} steps)", "bold")
        text.append("   vs   ")
        text.append(f"B: {self._run_name(self.b)} ({len(self.b)} steps)", "bold")
        if pairs is not None:
            where = divergence(pairs)
            text.append("   ·   ")
            text.append("same steps throughout" if where is None else f"diverge at pair {where + 1}",
                        "green" if where is None else "bold yellow")
        return text

    def on_mount(self) -> None:
        self.query_one(PairList).focus()
        self._show_sides(0 if len(self.a) else None, 0 if len(self.b) else None)
        self.set_timer(0.15, self._align)

    @work(thread=True, exclusive=True, group="align")
    def _align(self) -> None:
        keys_a = [f.key for f in self.a.ensure_index()]
        keys_b = [f.key for f in self.b.ensure_index()]
        pairs = align_keys(keys_a, keys_b)
        self.app.call_from_thread(self._aligned, pairs)

    def _aligned(self, pairs: list[Pair]) -> None:
        try:
            pair_list = self.query_one(PairList)
        except NoMatches:
            return  # closed while aligning
        pair_list.set_pairs(pairs)
        self.query_one("#compare-title", Static).update(self._title(pairs))
        changed = sum(p.kind != "same" for p in pairs)
        self.status(f"{len(pairs)} aligned pairs, {changed} differ · x: divergence · n: next difference · "
                    "d: workspace diff · P: final patches")
        pair_list.move_to(0)

    @property
    def aligned(self) -> bool:
        return bool(self.query_one(PairList).pairs) or not (len(self.a) or len(self.b))

    def status(self, text: str) -> None:
        self.query_one("#compare-status", Static).update(text)

    def _show_sides(self, ia: int | None, ib: int | None) -> None:
        for pane, model, index in (("#detail-a", self.a, ia), ("#detail-b", self.b, ib)):
            detail = self.query_one(pane, DetailView)
            if index is None:
                detail.show(Text("(no step here: the other run did this alone)", style="dim"))
            else:
                detail.show(render_step(model.step(index), len(model)))

    def _last_index(self, row: int, side: str) -> int:
        pairs = self.query_one(PairList).pairs
        for k in range(row, -1, -1):
            value = getattr(pairs[k], side)
            if value is not None:
                return value
        return -1

    def on_pair_list_selected(self, message: PairList.Selected) -> None:
        self._draw(message.row)

    def _draw(self, row: int) -> None:
        pairs = self.query_one(PairList).pairs
        if not pairs:
            return
        pair = pairs[row]
        if self.view_mode == "steps":
            self._show_sides(pair.a, pair.b)
            return
        if self.view_mode == "workspace":
            ia, ib = self._last_index(row, "a"), self._last_index(row, "b")
            pa = self.a.patch_at(ia) if ia >= 0 else ""
            pb = self.b.patch_at(ib) if ib >= 0 else ""
            title = f"Workspace after A step {ia + 1} → B step {ib + 1}"
        else:
            pa = self.a.final_patch or self.a.patch_at(len(self.a) - 1)
            pb = self.b.final_patch or self.b.patch_at(len(self.b) - 1)
            title = "Final patches, A → B"
        diff = workspace_diff(pa, pb)
        self.query_one("#detail-a", DetailView).show(Group(Text(title, style="bold"), Rule(),
                                                           diff_text(diff) if diff else Text("(the same)", "green")))
        self.query_one("#detail-b", DetailView).show(Group(Text("B's patch", style="bold"), Rule(), diff_text(pb)))

    def action_divergence(self) -> None:
        pair_list = self.query_one(PairList)
        if not pair_list.pairs:
            self.status("still aligning the two runs…")
            return
        if pair_list.diverge is None:
            self.status("the two runs do the same steps throughout")
            return
        pair_list.move_to(pair_list.diverge)
        self.status(f"diverge at pair {pair_list.diverge + 1}")

    def action_next_change(self) -> None:
        pair_list = self.query_one(PairList)
        later = [r for r in range(pair_list.cursor + 1, len(pair_list.pairs)) if pair_list.pairs[r].kind != "same"]
        if later:
            pair_list.move_to(later[0])
        else:
            self.status("no further differences")

    def _toggle(self, mode: str) -> None:
        self.view_mode = "steps" if self.view_mode == mode else mode
        self.status({"steps": "steps side by side", "workspace": "workspace diff at this pair (d: back)",
                     "patches": "final patches diffed (P: back)"}[self.view_mode])
        self._draw(self.query_one(PairList).cursor)

    def action_workspace(self) -> None:
        self._toggle("workspace")

    def action_final_patches(self) -> None:
        self._toggle("patches")

    def action_back(self) -> None:
        self.app.action_back()  # type: ignore[attr-defined]


class TaskPickScreen(Screen):
    """Two batch folders: the tasks both ran; Enter compares the chosen task's runs."""

    BINDINGS = [Binding("q", "back", "Back/Quit")]

    def __init__(self, a: RunFolder, b: RunFolder) -> None:
        super().__init__()
        self.a = {r.task: r for r in a.runs}
        self.b = {r.task: r for r in b.runs}
        self.tasks = sorted(set(self.a) & set(self.b))
        self.titles = (str(a.path), str(b.path))

    def compose(self) -> ComposeResult:
        yield Static(f"A: {self.titles[0]}   B: {self.titles[1]}   ·   {len(self.tasks)} tasks in both "
                     "(Enter compares one)", id="pick-title")
        yield DataTable(id="pick", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label in ("task", "A steps", "A exit", "A resolved", "B steps", "B exit", "B resolved"):
            table.add_column(label)
        mark = {True: "✓", False: "✗", None: "–"}
        for task in self.tasks:
            ra, rb = self.a[task], self.b[task]
            table.add_row(task, str(ra.steps), ra.exit_reason, mark[ra.resolved], str(rb.steps), rb.exit_reason,
                          mark[rb.resolved], key=task)
        table.focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        task = str(event.row_key.value)
        self.app.open_compare(self.a[task].path, self.b[task].path)  # type: ignore[attr-defined]

    def action_back(self) -> None:
        self.app.action_back()  # type: ignore[attr-defined]
