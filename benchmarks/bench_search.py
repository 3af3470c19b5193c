"""Benchmark: the `search` tool against `git grep` run directly, on a 5,000-file repository built here.

    python benchmarks/bench_search.py [--files 5000] [--runs 7]

Target: the tool (backend + parsing + rendering the observation) within 1.5x of plain `git grep` in the
same run. The tool's default backend is git grep; when ripgrep is installed its backend is timed as well
(PATCHSMITH_SEARCH_BACKEND=ripgrep selects it)."""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from patchsmith.tools import search as search_mod  # noqa: E402
from patchsmith.tools.search import search_tool  # noqa: E402
from patchsmith.tools.workspace import Workspace  # noqa: E402

TARGET = 1.5
WORDS = ["alpha", "beta", "gamma", "delta", "value", "result", "config", "handler", "parse", "render", "item",
         "index", "count", "buffer", "stream", "token", "node", "cache", "state", "event"]
# (label, pattern, path glob, regex)
CASES = [
    ("rare literal", "needle_rare_token", None, False),
    ("medium literal", "def compute_", None, False),
    ("common literal", "return", None, False),
    ("regex", r"def \w+_\d+\(", None, True),
    ("literal, *.py glob", "handler", "*.py", False),
]


def build_repo(root: Path, n_files: int, console: Console) -> None:
    rng = random.Random(42)
    root.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"writing {n_files} files", total=n_files)
        for i in range(n_files):
            pkg = root / f"pkg{i % 25:02d}" / f"sub{i % 7}"
            pkg.mkdir(parents=True, exist_ok=True)
            ext = ".py" if i % 3 else (".js" if i % 2 else ".txt")
            lines = []
            for j in range(40):
                a, b = rng.choice(WORDS), rng.choice(WORDS)
                if j % 10 == 0 and i % 10 == 0:
                    lines.append(f"def compute_{a}_{j}(x):")
                elif j % 5 == 0:
                    lines.append(f"    return {a}_{b} + {j}")
                else:
                    lines.append(f"    {a}_{i}_{j} = {b}({rng.randint(0, 999)})")
            if i % 1000 == 7:
                lines.append("    # needle_rare_token here")
            (pkg / f"mod_{i:05d}{ext}").write_text("\n".join(lines) + "\n")
            progress.advance(task)
    ident = ["-c", "user.name=bench", "-c", "user.email=bench@localhost"]
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(root), *ident, "commit", "-q", "-m", "bench"], check=True)


def time_once(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def git_grep_direct(root: Path, pattern: str, glob: str | None, regex: bool) -> None:
    argv = ["git", "grep", "-n", "-I", "--untracked", "-P" if regex else "-F", "-e", pattern, "--"]
    if glob:
        argv.append(f":(glob)**/{glob}")
    subprocess.run(argv, cwd=root, capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=9)
    opts = parser.parse_args()
    console = Console()
    with tempfile.TemporaryDirectory(prefix="patchsmith-bench-") as tmp:
        root = Path(tmp) / "repo"
        build_repo(root, opts.files, console)
        ws = Workspace(root=root, base="HEAD")
        backends = [search_mod.backend_name()]
        if shutil.which("rg") and "ripgrep" not in backends:
            backends.append("ripgrep")
        table = Table(title=f"search vs git grep — {opts.files} files, median of {opts.runs} runs")
        table.add_column("case")
        table.add_column("matches", justify="right")
        table.add_column("git grep (ms)", justify="right")
        for b in backends:
            table.add_column(f"tool, {b} (ms)", justify="right")
            table.add_column("ratio", justify="right")
        worst = 0.0
        original = search_mod.backend_name
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("timing", total=len(CASES) * opts.runs)
            for label, pattern, glob, regex in CASES:
                args = {"pattern": pattern, "path": glob, "regex": regex}
                ref: list[float] = []
                tool_times: dict[str, list[float]] = {b: [] for b in backends}
                matches = 0
                for _ in range(opts.runs):
                    ref.append(time_once(lambda: git_grep_direct(root, pattern, glob, regex)))  # noqa: B023
                    for b in backends:
                        search_mod.backend_name = lambda b=b: b
                        holder = {}
                        tool_times[b].append(time_once(lambda: holder.update(obs=search_tool(ws, args))))  # noqa: B023
                        matches = holder["obs"].data["total_matches"]
                    progress.advance(task)
                search_mod.backend_name = original
                ref_ms = statistics.median(ref) * 1000
                row = [label, str(matches), f"{ref_ms:.1f}"]
                for b in backends:
                    ms = statistics.median(tool_times[b]) * 1000
                    ratio = ms / ref_ms
                    if b == backends[0]:
                        worst = max(worst, ratio)
                    style = "green" if ratio <= TARGET else "red"
                    row += [f"{ms:.1f}", f"[{style}]{ratio:.2f}x[/{style}]"]
                table.add_row(*row)
        console.print(table)
        verdict = "[green]within[/green]" if worst <= TARGET else "[red]over[/red]"
        console.print(f"worst ratio for the default backend ({backends[0]}): {worst:.2f}x — {verdict} the "
                      f"{TARGET}x target")
    return 0 if worst <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
