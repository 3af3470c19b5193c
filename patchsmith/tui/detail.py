"""The step detail pane: one renderable drawn into lines once, then shown a screenful at a time.

A Line-API scroll view (like the step list) so switching steps redraws this pane only, without a
layout pass over the whole screen, however long the observation is.
"""

from __future__ import annotations

from rich.console import RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.events import Resize
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip


class DetailView(ScrollView, can_focus=True):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._base_style = Style()
        self.renderable: RenderableType = Text("")
        self._strips: list[Strip] = []
        self._width = 0

    def show(self, renderable: RenderableType) -> None:
        self.renderable = renderable
        self._width = 0  # draw again at the current width
        self._draw()
        self.scroll_to(0, 0, animate=False, immediate=True)

    def plain_text(self) -> str:
        """What the pane holds, as text (tests and copy-paste)."""
        return "\n".join(strip.text.rstrip() for strip in self._strips)

    def _draw(self) -> None:
        width = max(self.scrollable_content_region.width, 20)
        if width == self._width and self._strips:
            return
        self._width = width
        console = self.app.console
        options = console.options.update(width=width, height=None, highlight=False)
        lines = console.render_lines(self.renderable, options, pad=False)
        self._strips = [Strip(line) for line in lines]
        self.virtual_size = Size(width, len(self._strips))
        self.refresh()

    def on_resize(self, event: Resize) -> None:
        self._draw()

    def render_lines(self, crop: Region) -> list[Strip]:
        self._base_style = self.rich_style  # once per paint, not per line (it walks the DOM)
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        base = self._base_style
        if index >= len(self._strips):
            return Strip.blank(width, base)
        strip = self._strips[index]
        return Strip([Segment(s.text, base + s.style if s.style else base, s.control) for s in strip]).crop_extend(
            0, width, base)
