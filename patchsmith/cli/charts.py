"""The comparison's pictures: a PNG of the Pareto frontiers (matplotlib, Agg: no display needed) and the
same chart drawn in the terminal with the frontier points marked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text

from ..harness.compare import AXES

WIDTH, HEIGHT = 56, 12
MARKS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def write_png(group: dict[str, Any], path: Path, title: str) -> Path:
    import matplotlib

    matplotlib.use("Agg")  # files only: works without a display, in CI and over ssh
    import matplotlib.pyplot as plt

    strategies = group["strategies"]
    fig, axes = plt.subplots(1, len(AXES), figsize=(5 * len(AXES), 4.2), squeeze=False)
    for ax, (axis, label) in zip(axes[0], AXES.items(), strict=True):
        front = group["frontier"][axis]
        for i, (name, s) in enumerate(strategies.items()):
            x, y = s[f"{axis}_mean"], s["resolved_pct"]
            lo, hi = s["ci95"]
            on = name in front
            ax.errorbar([x], [y], yerr=[[y - lo], [hi - y]], fmt="*" if on else "o", markersize=12 if on else 7,
                        color="tab:red" if on else "tab:blue", ecolor="0.75", capsize=3)
            # Alternate above and below: neighbouring points' labels would otherwise overlap.
            ax.annotate(name, (x, y), textcoords="offset points", xytext=(6, 6 if i % 2 == 0 else -14), fontsize=8)
        pts = sorted((strategies[n][f"{axis}_mean"], strategies[n]["resolved_pct"]) for n in front)
        if len(pts) > 1:
            ax.step([p[0] for p in pts], [p[1] for p in pts], where="post", color="tab:red", alpha=0.5)
        ax.set_xlabel(label)
        ax.set_ylabel("resolved % (95% CI)")
        ax.set_ylim(-5, 105)
        ax.grid(alpha=0.3)
    fig.suptitle(f"{title}: red stars are on the Pareto frontier")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def terminal_chart(group: dict[str, Any], axis: str = "cost") -> Text:
    """Resolved % (up) against the axis's mean per task (right); ★ marks the frontier."""
    strategies = group["strategies"]
    front = set(group["frontier"][axis])
    names = list(strategies)
    xs = [strategies[n][f"{axis}_mean"] for n in names]
    x_max = max(xs) or 1.0
    grid = [[" "] * WIDTH for _ in range(HEIGHT + 1)]
    for i, name in enumerate(names):
        col = round(xs[i] / x_max * (WIDTH - 4))
        row = HEIGHT - round(strategies[name]["resolved_pct"] / 100 * HEIGHT)
        mark = MARKS[i % len(MARKS)]
        cell = f"★{mark}" if name in front else f"·{mark}"
        for k, ch in enumerate(cell):
            if col + k < WIDTH:
                grid[row][col + k] = ch
    text = Text()
    text.append(f"resolved % against {AXES[axis]} (★ = Pareto frontier)\n", style="bold")
    for r, line in enumerate(grid):
        pct = 100 * (HEIGHT - r) / HEIGHT
        text.append(f"{pct:5.0f}% |" if r % 3 == 0 else "       |")
        text.append("".join(line).rstrip() + "\n")
    text.append("       +" + "-" * WIDTH + "\n")
    text.append(f"        0{' ' * (WIDTH - 12)}{_fmt(axis, x_max):>10}\n")
    for i, name in enumerate(names):
        on = name in front
        text.append(f"  {MARKS[i % len(MARKS)]} = {name}{'  ★ frontier' if on else ''}\n",
                    style="bold red" if on else "")
    return text


def _fmt(axis: str, value: float) -> str:
    if axis == "cost":
        return f"${value:.4f}"
    if axis == "tokens":
        return f"{value:,.0f}"
    return f"{value:.1f}s"
