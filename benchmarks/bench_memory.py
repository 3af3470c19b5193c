"""Cross-run memory on real history: does recall point a new task at the files its own fix touched?

For the SWE-bench Lite instances of each repository in ../shared/swebench/, ordered by `created_at`, every
earlier task leaves a lesson built from its reference fix (as a solved run would: the issue's title, the files
the fix touched, the decisive change). For each later task, recall the top k lessons for its issue text,
from lessons created before it only, and count a hit when a recalled lesson names a file the task's own
reference patch touches (hit@k). The reference, measured in the same run: k lessons drawn at random from the
10 most recent (averaged over 20 draws). The task's own patch is used only to score.

Then the cost of memory: prompt tokens the recalled block adds to every step, and recall time with a store
of 10,000 items, against reading those items from SQLite without ranking.

    PYTHONPATH=. python benchmarks/bench_memory.py [--data ../shared/swebench] [--min-tasks 4]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.progress import track
from rich.table import Table

from patchsmith.agent.models.base import estimate_tokens
from patchsmith.agent.recall.learn import learn, patch_files
from patchsmith.agent.recall.retrieve import rank, recall, render_recalled
from patchsmith.agent.recall.store import MemoryItem, MemoryStore

KS = (1, 3, 5)
DRAWS = 20


def load(data: Path) -> dict[str, list[dict]]:
    by_repo: dict[str, list[dict]] = defaultdict(list)
    for name in ("lite-test.jsonl", "lite-dev.jsonl"):
        path = data / name
        if path.exists():
            for line in path.read_text().splitlines():
                if line.strip():
                    row = json.loads(line)
                    row["_t"] = datetime.fromisoformat(row["created_at"].replace("Z", "+00:00")).timestamp()
                    by_repo[row["repo"]].append(row)
    return {r: sorted(rows, key=lambda x: x["_t"]) for r, rows in by_repo.items()}


def lesson_of(row: dict) -> MemoryItem:
    text, files = learn(row["problem_statement"], [], row["patch"], "submitted", checks_passed=True).lesson
    return MemoryItem(repo=row["repo"], kind="lesson", text=text, origin=row["instance_id"], files=files,
                      created_at=row["_t"])


def hits(rows: list[dict], rng: random.Random, tmp: Path) -> tuple[dict[int, int], dict[int, float], int, list[int]]:
    """Replays the repository's history through a real store: each task recalls, then leaves its lesson."""
    store = MemoryStore(tmp / f"{rows[0]['repo'].replace('/', '+')}.sqlite")
    ours, base, n, tokens, earlier = {k: 0 for k in KS}, {k: 0.0 for k in KS}, 0, [], []
    for row in rows:
        gold = set(patch_files(row["patch"]))
        if earlier:
            n += 1
            ranked = [r.item for r in rank(store, row["repo"], row["problem_statement"], before=row["_t"])]
            tokens.append(sum(estimate_tokens(line) for line in render_recalled(
                recall(store, row["repo"], row["problem_statement"], before=row["_t"]))))
            recent = earlier[-10:]
            for k in KS:
                ours[k] += any(gold & set(le.files) for le in ranked[:k])
                base[k] += sum(any(gold & set(le.files) for le in rng.sample(recent, min(k, len(recent))))
                               for _ in range(DRAWS)) / DRAWS
        lesson = lesson_of(row)
        store.add(lesson)
        earlier.append(lesson)
    return ours, base, n, tokens


def quality(by_repo: dict[str, list[dict]], min_tasks: int, console: Console) -> list[int]:
    table = Table(title="hit@k: a recalled lesson names a file the task's own fix touches")
    table.add_column("repository", no_wrap=True)
    table.add_column("tasks", justify="right")
    for k in KS:
        table.add_column(f"hit@{k} recall", justify="right")
        table.add_column(f"hit@{k} random recent", justify="right")
    rng, all_tokens, tmp = random.Random(0), [], Path(tempfile.mkdtemp(prefix="bench-memory-"))
    totals = {"n": 0, **{f"o{k}": 0.0 for k in KS}, **{f"b{k}": 0.0 for k in KS}}
    for repo, rows in sorted(by_repo.items()):
        if len(rows) < min_tasks:
            continue
        ours, base, n, tokens = hits(rows, rng, tmp)
        all_tokens += tokens
        totals["n"] += n
        cells = []
        for k in KS:
            totals[f"o{k}"] += ours[k]
            totals[f"b{k}"] += base[k]
            cells += [f"{ours[k] / n:.0%}", f"{base[k] / n:.0%}"]
        table.add_row(repo, str(n), *cells)
    n = totals["n"] or 1
    table.add_row("all", str(totals["n"]), *[c for k in KS for c in (
        f"{totals[f'o{k}'] / n:.0%} ({totals[f'o{k}'] / max(totals[f'b{k}'], 1e-9):.1f}x)",
        f"{totals[f'b{k}'] / n:.0%}")], style="bold")
    console.print(table)
    return all_tokens


def cost(by_repo: dict[str, list[dict]], tokens: list[int], console: Console) -> None:
    rows = [r for rs in by_repo.values() for r in rs]
    with tempfile.TemporaryDirectory() as tmp:
        store = MemoryStore(Path(tmp) / "m.sqlite")
        seed = [lesson_of(r) for r in rows]
        t0 = time.perf_counter()
        store.add_many(seed[i % len(seed)].model_copy(update={
            "repo": "big", "text": f"{seed[i % len(seed)].text} (variant {i})", "created_at": float(i)})
            for i in track(range(10_000), description="filling a 10,000-item store"))
        t_fill = time.perf_counter() - t0
        query = rows[0]["problem_statement"]
        t_read, t_recall = [], []
        for _ in range(5):
            t0 = time.perf_counter()
            store.items("big")
            t_read.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            recall(store, "big", query)
            t_recall.append(time.perf_counter() - t0)
    table = Table(title="what memory costs")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("reference", justify="right")
    table.add_column("ratio", justify="right")
    mean_tokens = statistics.mean(tokens) if tokens else 0
    table.add_row("prompt tokens added per step (mean over tasks)", f"{mean_tokens:.0f}", "budget 600",
                  f"{mean_tokens / 600:.2f}")
    read, rec = statistics.median(t_read), statistics.median(t_recall)
    table.add_row("recall over 10,000 items (median of 5)", f"{rec * 1000:.0f} ms",
                  f"{read * 1000:.0f} ms (read only)", f"{rec / read:.1f}x")
    table.add_row("storing 10,000 items (one transaction)", f"{t_fill:.1f} s", "", "")
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "swebench")
    parser.add_argument("--min-tasks", type=int, default=4, help="skip repositories with fewer instances")
    args = parser.parse_args()
    console = Console()
    by_repo = load(args.data)
    if not by_repo:
        console.print(f"no SWE-bench data under {args.data}; pass --data")
        raise SystemExit(1)
    tokens = quality(by_repo, args.min_tasks, console)
    cost(by_repo, tokens, console)


if __name__ == "__main__":
    main()
