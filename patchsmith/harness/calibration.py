"""Calibration: can a model's stated confidence be trusted? Resolved rate per confidence bucket, the Brier
score, and the calibration curve (a terminal table and a PNG)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.table import Table

BUCKETS = 5  # [0, .2), [.2, .4), ... [.8, 1.0]


def bucket_of(confidence: float, buckets: int = BUCKETS) -> int:
    return min(buckets - 1, max(0, int(confidence * buckets)))


def calibration(pairs: list[tuple[float, bool]], buckets: int = BUCKETS) -> dict[str, Any]:
    """From (stated confidence, resolved) per run: per bucket the runs, resolved, resolved rate and mean
    confidence; overall the Brier score and the expected calibration error (run-weighted |rate - conf|)."""
    rows = []
    for b in range(buckets):
        inside = [(c, r) for c, r in pairs if bucket_of(c, buckets) == b]
        n = len(inside)
        solved = sum(r for _, r in inside)
        rows.append({"lo": b / buckets, "hi": (b + 1) / buckets, "runs": n, "resolved": solved,
                     "resolved_rate": solved / n if n else None,
                     "mean_confidence": sum(c for c, _ in inside) / n if n else None})
    n = len(pairs)
    brier = sum((c - float(r)) ** 2 for c, r in pairs) / n if n else None
    ece = sum(r["runs"] * abs(r["resolved_rate"] - r["mean_confidence"]) for r in rows if r["runs"]) / n if n else None
    return {"runs_with_confidence": n, "buckets": rows, "brier": brier, "ece": ece}


def report_calibration(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A report's tasks -> calibration over the runs whose final submit stated a confidence."""
    pairs = [(float(a["confidence"]), bool(r.get("resolved"))) for r in rows
             if isinstance(a := (r.get("agent") or {}), dict) and isinstance(a.get("confidence"), (int, float))]
    out = calibration(pairs)
    out["runs_without_confidence"] = sum(1 for r in rows if r.get("agent")) - len(pairs)
    return out


def calibration_table(cal: dict[str, Any], title: str = "calibration: resolved rate by stated confidence") -> Table:
    table = Table(title=title)
    for col in ("confidence", "runs", "resolved", "rate", "mean conf.", "curve"):
        table.add_column(col, justify="left" if col in ("confidence", "curve") else "right")
    for b in cal["buckets"]:
        rate = b["resolved_rate"]
        bar = "" if rate is None else "█" * round(rate * 20) + f"  (ideal {'·' * round(b['hi'] * 20 - 2)})"
        table.add_row(f"{b['lo']:.1f}–{b['hi']:.1f}", str(b["runs"]), str(b["resolved"]),
                      "—" if rate is None else f"{100 * rate:.0f}%",
                      "—" if b["mean_confidence"] is None else f"{b['mean_confidence']:.2f}", bar)
    if cal["brier"] is not None:
        table.caption = f"Brier {cal['brier']:.3f} · ECE {cal['ece']:.3f} · {cal['runs_with_confidence']} runs"
    return table


def calibration_png(curves: dict[str, dict[str, Any]], path: Path) -> Path | None:
    """One curve per label (a run, or each strategy of a compare) against the diagonal; None if no data."""
    if not any(c["runs_with_confidence"] for c in curves.values()):
        return None
    import matplotlib

    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfectly calibrated")
    for label, cal in curves.items():
        pts = [(b["mean_confidence"], b["resolved_rate"]) for b in cal["buckets"] if b["runs"]]
        if pts:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=label)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("stated confidence")
    ax.set_ylabel("resolved rate")
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
