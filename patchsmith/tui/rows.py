"""A virtual list of rows with a cursor, drawn only where on screen (a run may have thousands of steps):
the keys, cursor movement and scrolling that the step list and the compare view's pair list share.
Subclasses say how many rows there are, draw a row (`render_line`) and post their own Selected message."""

from __future__ import annotations

from textual.binding import Binding
from textual.events import Click, Resize
from textual.geometry import Size
from textual.scroll_view import ScrollView


class RowList(ScrollView, can_focus=True):
    BINDINGS = [
        Binding("j,down", "move(1)", "Down", show=False),
        Binding("k,up", "move(-1)", "Up", show=False),
        Binding("g,home", "first", "First", show=False),
        Binding("G,end", "last", "Last", show=False),
        Binding("pagedown,space", "page(1)", "Page down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
    ]

    cursor = 0

    def row_count(self) -> int:
        raise NotImplementedError

    def cursor_moved(self, row: int, changed: bool) -> None:
        """After the cursor went to `row` (`changed`: from another row); subclasses post Selected here."""

    def scroll_below(self, row: int, height: int) -> int:
        """The top row to scroll to when `row` is below the screen: just enough to show it at the bottom."""
        return row - height + 1

    def sync_size(self) -> None:
        self.virtual_size = Size(max(self.size.width, 1), self.row_count())
        self.refresh()

    def on_resize(self, event: Resize) -> None:
        self.sync_size()

    def move_to(self, row: int) -> None:
        if not (count := self.row_count()):
            return
        row = max(0, min(row, count - 1))
        changed, self.cursor = row != self.cursor, row
        height, top = max(self.size.height, 1), int(self.scroll_offset.y)
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= top + height:
            self.scroll_to(y=self.scroll_below(row, height), animate=False, immediate=True)
        self.refresh()
        self.cursor_moved(row, changed)

    def action_move(self, delta: int) -> None:
        self.move_to(self.cursor + delta)

    def action_page(self, sign: int) -> None:
        self.move_to(self.cursor + sign * max(self.size.height - 1, 1))

    def action_first(self) -> None:
        self.move_to(0)

    def action_last(self) -> None:
        self.move_to(self.row_count() - 1)

    def on_click(self, event: Click) -> None:
        self.focus()
        self.move_to(int(self.scroll_offset.y) + event.y)
