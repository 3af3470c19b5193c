"""The run at a glance: failing tests, tokens per step and cumulative cost, with the current step marked."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, Sparkline, Static

SERIES = (("failing", "failing tests"), ("tokens", "tokens/step"), ("cost", "cost (cum.)"))


class Timeline(Vertical):
    def compose(self) -> ComposeResult:
        for key, label in SERIES:
            with Horizontal(classes="tl-row"):
                yield Label(label, classes="tl-label")
                yield Sparkline([], id=f"tl-{key}", classes="tl-spark")
                yield Label("", id=f"tl-{key}-value", classes="tl-value")
        yield Static("", id="tl-marker")

    def on_mount(self) -> None:
        self._series: tuple[list[float], list[float], list[float]] = ([], [], [])
        self._index = 0

    def set_series(self, failing: list[float], tokens: list[float], cost: list[float]) -> None:
        self._series = (failing, tokens, cost)
        for (key, _), data in zip(SERIES, self._series, strict=True):
            self.query_one(f"#tl-{key}", Sparkline).data = data or [0.0]
        self.mark(self._index)

    def mark(self, index: int) -> None:
        """Point at step `index` under the charts and show its values."""
        self._index = index
        failing, tokens, cost = self._series
        n = len(tokens)
        values = {"failing": failing, "tokens": tokens, "cost": cost}
        for key, _ in SERIES:
            data = values[key]
            label = self.query_one(f"#tl-{key}-value", Label)
            if 0 <= index < len(data):
                label.update(f"${data[index]:.3f}" if key == "cost" else f"{int(data[index]):,}", layout=False)
            else:
                label.update("…" if n == 0 else "", layout=False)
        spark = self.query_one("#tl-tokens", Sparkline)
        width = spark.size.width
        offset = spark.region.x - self.region.x
        if n == 0 or width <= 0:
            self.query_one("#tl-marker", Static).update(" " * max(offset, 0) + "(indexing…)" if n == 0 else "",
                                                       layout=False)
            return
        pos = 0 if n == 1 else round(index / (n - 1) * (width - 1))
        self.query_one("#tl-marker", Static).update(" " * (offset + pos) + f"▲ step {index + 1}", layout=False)
