"""The run at a glance: failing tests, tokens per step and cumulative cost, with the current step marked.

One widget drawing three sparklines (textual's Rich sparkline renderable) rather than a dozen widgets:
it is on screen at the first paint, where every widget mounted costs start-up time.
"""

from __future__ import annotations

from rich.color import Color
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.renderables.sparkline import Sparkline
from textual.widget import Widget

LABEL_WIDTH = 16
VALUE_WIDTH = 12
SERIES = (("failing tests", "red", "green"), ("tokens/step", "bright_magenta", "blue"),
          ("cost (cum.)", "yellow", "cyan"))


class Timeline(Widget):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.series: tuple[list[float], list[float], list[float]] = ([], [], [])
        self.index = 0

    def set_series(self, failing: list[float], tokens: list[float], cost: list[float]) -> None:
        self.series = (failing, tokens, cost)
        self.refresh()

    def mark(self, index: int) -> None:
        self.index = index
        self.refresh()

    def render(self) -> RenderableType:
        width = max(self.size.width - LABEL_WIDTH - VALUE_WIDTH, 10)
        n = len(self.series[1])
        grid = Table.grid(padding=0)
        grid.add_column(width=LABEL_WIDTH, style="dim")
        grid.add_column(width=width)
        grid.add_column(width=VALUE_WIDTH, justify="right")
        for (label, high, low), data in zip(SERIES, self.series, strict=True):
            if not data:
                grid.add_row(label, Text("(indexing…)" if n == 0 else "", style="dim"), "")
                continue
            value = data[self.index] if 0 <= self.index < len(data) else 0.0
            shown = f"${value:.3f}" if label.startswith("cost") else f"{int(value):,}"
            grid.add_row(label, Sparkline(data, width=width, min_color=Color.parse(low), max_color=Color.parse(high)),
                         shown)
        if n == 0:
            return Group(grid, Text(""))  # the same height before and after indexing: no re-layout
        column = 0 if n == 1 else round(self.index / (n - 1) * (width - 1))
        marker = Text(" " * (LABEL_WIDTH + column) + f"▲ step {self.index + 1}", style="bold cyan")
        return Group(grid, marker)
