"""Fidelity on real SWE-bench instances: `patchsmith eval --gold` and `--empty`, a table per repository.

    python benchmarks/bench_fidelity.py [--repos psf/requests pallets/flask] [--mirrors /work/.mirror]
                                        [--output /tmp/fidelity] [--workers 1] [--tasks FILE ...]

For every instance of the task files (by default the shared SWE-bench Lite test and dev files) whose
repository has a mirror (the library's `fetch` leaves bare mirrors at MIRRORS/owner+name/repo), score the
reference patches and the empty patches with the real command, then read each task's result.

The reference is the dataset's own claim, checked in the same run: every gradable gold patch resolves and
no empty patch does. An empty result counts only when its tests ran (an environment that fails to import
is an error, never a correct "unresolved"). Per repository: instances, gold resolved, empty resolved, not
gradable here (required tests need the network), errors (environment, checkout), and for every gold failure
its reason. Reruns into the same --output resume (environments are cached across runs).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
MIRRORS = Path("/work/.mirror")
SHARED = Path("/work/shared/swebench")
NOT_GRADABLE = ("not_gradable", "not gradable")


def instances(task_files: list[Path], repos: list[str] | None, mirrors: Path) -> tuple[list[dict], list[str]]:
    rows, missing = [], set()
    for path in task_files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            if repos and row["repo"] not in repos:
                continue
            if not (mirrors / row["repo"].replace("/", "+") / "repo").is_dir():
                missing.add(row["repo"])
                continue
            rows.append(row)
    return rows, sorted(missing)


def run_eval(kind: str, task_file: Path, ids: list[str], args: argparse.Namespace) -> Path:
    out = args.output / task_file.stem / kind
    argv = [sys.executable, "-m", "patchsmith", "eval", f"--{kind}", "--tasks", str(task_file),
            "--instances", *ids, "--repos-dir", str(args.mirrors), "--no-clone", "--output", str(out),
            "--workers", str(args.workers), "--timeout", str(args.timeout)]
    if args.no_progress:
        argv.append("--no-progress")
    if args.retry_errors:
        argv.append("--retry-errors")
    subprocess.run(argv, cwd=ROOT, check=False)
    return out


def results(out: Path) -> dict[str, dict]:
    found = {}
    for path in sorted((out / "results").glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        found[data.get("instance_id", path.stem)] = data
    return found


def classify(result: dict | None) -> str:
    """resolved | unresolved | not_gradable | error | missing."""
    if result is None:
        return "missing"
    status = str(result.get("status", ""))
    reason = str(result.get("reason", ""))
    if status in NOT_GRADABLE or "cannot score offline" in reason or "not gradable" in reason:
        return "not_gradable"
    if result.get("resolved"):
        return "resolved"
    if status in ("error", "env_error", "patch_failed") or "no test results" in reason:
        return "error"
    return "unresolved"


def table(rows: list[dict], gold: dict[str, dict], empty: dict[str, dict], missing: list[str]) -> tuple[Table, list[str]]:
    per: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    why: list[str] = []
    for row in rows:
        repo, iid = row["repo"], row["instance_id"]
        g, e = classify(gold.get(iid)), classify(empty.get(iid))
        counts = per[repo]
        counts["instances"] += 1
        counts["gold resolved"] += g == "resolved"
        counts["empty resolved"] += e == "resolved"
        counts["not gradable"] += g == "not_gradable"
        counts["errors"] += (g == "error") + (e == "error")
        counts["missing"] += (g == "missing") + (e == "missing")
        if g != "resolved":
            why.append(f"{iid} gold {g}: {str((gold.get(iid) or {}).get('reason', 'no result'))[:300]}")
        if e == "resolved":
            why.append(f"{iid} EMPTY resolved")
        elif e == "error":
            why.append(f"{iid} empty error: {str((empty.get(iid) or {}).get('reason', ''))[:300]}")
    cols = ["instances", "gold resolved", "empty resolved", "not gradable", "errors", "missing"]
    out = Table(title="eval --gold / --empty on SWE-bench instances (reference: gradable gold all resolve, "
                      "empty none)")
    out.add_column("repository")
    for col in cols:
        out.add_column(col, justify="right")
    out.add_column("gold rate of gradable", justify="right")
    total: dict[str, int] = defaultdict(int)
    for repo in sorted(per):
        counts = per[repo]
        for col in cols:
            total[col] += counts[col]
        out.add_row(repo, *(str(counts[c]) for c in cols), _rate(counts))
    out.add_row("all", *(str(total[c]) for c in cols), _rate(total), style="bold")
    for repo in missing:
        out.add_row(f"{repo} (no mirror: too large to mirror here)", *["-"] * (len(cols) + 1))
    return out, why


def _rate(counts: dict[str, int]) -> str:
    gradable = counts["instances"] - counts["not gradable"]
    return f"{counts['gold resolved']}/{gradable}" if gradable else "-"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=Path, nargs="+",
                    default=[SHARED / "lite-test.jsonl", SHARED / "lite-dev.jsonl"])
    ap.add_argument("--repos", nargs="+", help="only these repositories (owner/name)")
    ap.add_argument("--mirrors", type=Path, default=MIRRORS)
    ap.add_argument("--output", type=Path, default=Path("/tmp/patchsmith-fidelity"))
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("--only", choices=["gold", "empty"], help="run one kind (the table reads what exists)")
    ap.add_argument("--report-only", action="store_true", help="print the table from an earlier --output")
    ap.add_argument("--no-progress", action="store_true")
    ap.add_argument("--retry-errors", action="store_true", help="run again the tasks that ended in an error")
    args = ap.parse_args()
    console = Console()
    all_rows, missing = [], []
    for task_file in args.tasks:
        rows, miss = instances([task_file], args.repos, args.mirrors)
        missing += miss
        if not args.report_only and rows:
            for kind in ("gold", "empty"):
                if args.only in (None, kind):
                    run_eval(kind, task_file, [r["instance_id"] for r in rows], args)
        all_rows += rows
    if not all_rows:
        console.print(f"no instance has a mirror under {args.mirrors}; bring one with the fetch tool")
        return 1
    gold, empty = {}, {}
    for task_file in args.tasks:
        gold.update(results(args.output / task_file.stem / "gold"))
        empty.update(results(args.output / task_file.stem / "empty"))
    out, why = table(all_rows, gold, empty, sorted(set(missing)))
    console.print(out)
    for line in why:
        console.print(line, markup=False, highlight=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
