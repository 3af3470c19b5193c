"""The step list: a virtual list that renders only the rows on screen (a run may have thousands)."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip

from .model import RunModel
from .render import step_summary
from .rows import RowList

_CURSOR = Style(bgcolor="#1f4e79", bold=True)
_CURSOR_BLUR = Style(bgcolor="#333333")
_ERROR = Style(color="red", bold=True)
_HIT = Style(color="black", bgcolor="yellow")
_ASK = Style(color="cyan", bold=True)  # a question to the user: the steps a reviewer looks for first


class StepList(RowList):
    """Rows are step indices (all steps, or those passing the tool filter); the cursor is a row."""

    class Selected(Message):
        def __init__(self, index: int) -> None:
            self.index = index
            super().__init__()

    def __init__(self, model: RunModel, **kwargs) -> None:
        super().__init__(**kwargs)
        self._base_style = Style()
        self.model = model
        self.rows: list[int] = list(range(len(model)))
        self.cursor = 0 if self.rows else -1  # -1: nothing selected yet (a live run before its first step)
        self.hits: set[int] = set()
        self.follow = False  # live view: keep the cursor on the newest step while it is on the last row

    # --- data ---------------------------------------------------------------------------------
    def set_rows(self, rows: list[int], keep: int | None = None) -> None:
        self.rows = rows
        pos = 0
        if keep is not None and rows:
            pos = next((r for r, i in enumerate(rows) if i >= keep), len(rows) - 1)
        self.sync_size()
        self.cursor = -1
        self.move_to(pos)

    def add_row(self, index: int) -> None:
        at_end = not self.rows or self.cursor >= len(self.rows) - 1
        self.rows.append(index)
        self.sync_size()
        if at_end and self.follow:
            self.move_to(len(self.rows) - 1)
        else:
            self.refresh()

    @property
    def current(self) -> int | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def row_of(self, index: int) -> int | None:
        for r, i in enumerate(self.rows):
            if i == index:
                return r
        return None

    def row_count(self) -> int:
        return len(self.rows)

    # --- movement -----------------------------------------------------------------------------
    def move_to(self, row: int) -> None:
        if not self.rows:
            self.cursor = -1
            self.refresh()
        super().move_to(row)

    def cursor_moved(self, row: int, changed: bool) -> None:
        if changed:
            self.post_message(self.Selected(self.rows[row]))

    # --- drawing ------------------------------------------------------------------------------
    def render_lines(self, crop: Region) -> list[Strip]:
        self._base_style = self.rich_style  # once per paint, not per line (it walks the DOM)
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        row = int(self.scroll_offset.y) + y
        base = self._base_style
        if row >= len(self.rows) or row < 0:
            return Strip.blank(width, base)
        index = self.rows[row]
        step = self.model.step(index)
        error = not step.observation.ok or bool(step.observation.error)
        tool = step.action.tool if step.action else "-"
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"{index + 1:>5}", _HIT if index in self.hits else None)
        if index == self.model.decisive:
            text.append("★", "bold yellow")
        else:
            text.append(" ")
        asks = tool == "ask_user"
        text.append("✗ " if error else ("? " if asks else "  "), _ERROR if error else (_ASK if asks else None))
        text.append(f"{tool[:18]:<18} ", _ASK if asks else "magenta")
        text.append(step_summary(step, ) if width > 28 else "")
        segments = [Segment(s.text, base + s.style if s.style else base) for s in
                    text.render(self.app.console, end="")]
        strip = Strip(segments).crop_extend(0, width, base)
        if row == self.cursor:
            strip = strip.apply_style(_CURSOR if self.has_focus else _CURSOR_BLUR)
        return strip
