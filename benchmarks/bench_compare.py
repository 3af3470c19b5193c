"""Benchmark: two 5,000-step runs side by side, and the HTML export of one.

Run:  python benchmarks/bench_compare.py   (needs tmux; chromium for the page load)

Measures, in a real terminal (tmux, Python start-up included), against opening one run in the same session:
  * launch → first paint of `patchsmith inspect A B` (both runs' first step on screen) vs `patchsmith inspect A`;
  * launch → alignment ready (the title names the divergence), and the jump itself (x → the diverging step drawn);
and the export: `patchsmith export A --html` time and size, and the page's load in headless Chromium (offline).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(Path(__file__).parent), str(ROOT / "tests")]

import trajgen  # noqa: E402

STEPS = 5000
DIVERGE = 2500
RUNS = 3
console = Console(width=130)


def diverging_copy(src: Path, dest: Path, at: int) -> None:
    """B: A's first `at` steps, then a different run (another seed) for the rest."""
    other = dest.with_suffix(".other.jsonl")
    trajgen.build(other, STEPS, seed=99)
    a, b = src.read_text().splitlines(), other.read_text().splitlines()
    other.unlink()
    dest.write_text("\n".join([a[0], *a[1:1 + at], *b[1 + at:]]) + "\n")


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=True).stdout


def session() -> str:
    name = f"bench-compare-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    for _ in range(5):
        try:
            tmux("new-session", "-d", "-s", name, "-x", "160", "-y", "45", "-e", f"PYTHONPATH={ROOT}",
                 "bash --norc --noprofile")
            return name
        except subprocess.CalledProcessError:
            time.sleep(0.5)
    raise RuntimeError("tmux would not start")


def wait_for(name: str, text: str, start: float, limit: float = 60, gone: bool = False) -> float:
    """Seconds from `start` until `text` is on screen (or, with `gone`, no longer on it)."""
    while (text in tmux("capture-pane", "-p", "-t", name)) == gone:
        if time.perf_counter() - start > limit:
            raise RuntimeError(f"{text!r} never {'went' if gone else 'appeared'}")
        time.sleep(0.005)
    return time.perf_counter() - start


def measure(command: str, compare: bool) -> dict[str, float]:
    name = session()
    try:
        time.sleep(0.3)
        tmux("send-keys", "-t", name, f"{command}; clear", "Enter")
        start = time.perf_counter()
        out = {"paint": wait_for(name, f"Step 1 of {STEPS}", start)}
        if compare:
            out["aligned"] = wait_for(name, "aligned pairs,", start)  # the status line, once aligned
            tmux("send-keys", "-t", name, "x")
            t0 = time.perf_counter()
            out["jump"] = wait_for(name, "aligned pairs,", t0, gone=True)  # now "diverge at pair N", drawn
        else:
            tmux("send-keys", "-t", name, "G")
            t0 = time.perf_counter()
            out["jump"] = wait_for(name, f"Step {STEPS} of {STEPS}", t0)
        tmux("send-keys", "-t", name, "q")
        return out
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)


def export_and_load(a: Path, work: Path) -> dict[str, float]:
    out = work / "a.html"
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "patchsmith", "export", str(a), "--html", str(out)], check=True,
                   capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    result = {"export_s": time.perf_counter() - t0, "size_mb": out.stat().st_size / 1e6}
    from tui import chromium

    if chromium.available():
        browser = chromium.Chromium(offline=True)
        try:
            browser.open_page()
            loads = [browser.navigate(out.as_uri(), timeout=300) for _ in range(RUNS)]
            result["load_s"] = statistics.median(loads)
            t0 = time.perf_counter()
            browser.evaluate("document.getElementById('search').value = 'timedelta rounding';"
                             "document.getElementById('search').dispatchEvent(new Event('input'))")
            result["search_s"] = time.perf_counter() - t0
            result["rows"] = browser.evaluate("document.querySelectorAll('#steps .row').length")
        finally:
            browser.close()
    return result


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        a, b = work / "a" / "trajectory.jsonl", work / "b" / "trajectory.jsonl"
        b.parent.mkdir()
        with console.status("building two 5,000-step runs…"):
            trajgen.build(a, STEPS)
            diverging_copy(a, b, DIVERGE)
        one, two = [], []
        for i in range(RUNS):
            with console.status(f"tmux run {i + 1}/{RUNS}…"):
                one.append(measure(f"{sys.executable} -m patchsmith inspect {a}", compare=False))
                two.append(measure(f"{sys.executable} -m patchsmith inspect {a} {b}", compare=True))
        print_side_by_side(one, two)
        with console.status("HTML export and headless load…"):
            page = export_and_load(a, work)
    print_export(page)


def print_side_by_side(one: list[dict[str, float]], two: list[dict[str, float]]) -> None:
    med = {k: statistics.median(r[k] for r in two) for k in two[0]}
    ref = {k: statistics.median(r[k] for r in one) for k in one[0]}
    table = Table(title=f"two {STEPS}-step runs side by side (diverging at step {DIVERGE + 1}; median of {RUNS})")
    for col in ("measure", "two runs", "one run (reference)", "ratio"):
        table.add_column(col, justify="left" if col == "measure" else "right")
    table.add_row("launch → first paint (tmux)", f"{med['paint']:.3f} s", f"{ref['paint']:.3f} s",
                  f"{med['paint'] / ref['paint']:.2f}×")
    table.add_row("launch → alignment ready", f"{med['aligned']:.3f} s", "–", "–")
    table.add_row("jump: x → diverging step drawn (one run: G → last step)", f"{med['jump'] * 1000:.0f} ms",
                  f"{ref['jump'] * 1000:.0f} ms", f"{med['jump'] / ref['jump']:.2f}×")
    console.print(table)
    console.print("runs (s): " + json.dumps({"two": two, "one": one}))


def print_export(page: dict[str, float]) -> None:
    export = Table(title=f"HTML export of a {STEPS}-step run")
    export.add_column("measure")
    export.add_column("value", justify="right")
    export.add_row("export time (CLI, start-up included)", f"{page['export_s']:.2f} s")
    export.add_row("page size", f"{page['size_mb']:.1f} MB")
    if "load_s" in page:
        export.add_row("headless Chromium load → drawn (offline, median)", f"{page['load_s']:.2f} s")
        export.add_row("search over all steps in the page", f"{page['search_s'] * 1000:.0f} ms")
        export.add_row("rows in the page", str(page["rows"]))
    console.print(export)
    console.print(f"load average (1 min): {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
