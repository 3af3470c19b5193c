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


def instances(
    task_files: list[Path], repos: list[str] | None, mirrors: Path, ids: list[str] | None = None
) -> tuple[list[dict], list[str]]:
    rows, missing = [], set()
    for path in task_files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            if (repos and row["repo"] not in repos) or (ids and row["instance_id"] not in ids):
                continue
            if not (mirrors / row["repo"].replace("/", "+") / "repo").is_dir():
                missing.add(row["repo"])
                continue
            rows.append(row)
    return rows, sorted(missing)


def run_eval(kind: str, task_file: Path, ids: list[str], args: argparse.Namespace) -> Path:
    out = args.output / task_file.stem / kind
    argv = [
        sys.executable,
        "-m",
        "patchsmith",
        "eval",
        f"--{kind}",
        "--tasks",
        str(task_file),
        "--instances",
        *ids,
        "--repos-dir",
        str(args.mirrors),
        "--no-clone",
        "--output",
        str(out),
        "--workers",
        str(args.workers),
        "--timeout",
        str(args.timeout),
    ]
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


def official_verdict(result: dict | None, log: Path) -> bool | None:
    """What swebench 4.1.0 decides from the same test log: its own log parser and its own grading
    (a skipped test counts neither way there; ours fails a skipped FAIL_TO_PASS test). Tests we deselect
    (the network) are left out of both lists, as they are out of ours. None: not graded, or no swebench."""
    if (
        OFFICIAL is None
        or not result
        or result.get("status") not in ("resolved", "unresolved")
        or not log.is_file()
    ):
        return None
    parse, report_of, resolution = OFFICIAL
    evaluation = result.get("evaluation") or {}
    status_map = parse[result["repo"]](log.read_text(encoding="utf-8", errors="replace"), None)
    groups = {
        key: [
            t
            for t in (evaluation.get(ours) or {}).get("success", [])
            + (evaluation.get(ours) or {}).get("failure", [])
        ]
        for key, ours in (("FAIL_TO_PASS", "fail_to_pass"), ("PASS_TO_PASS", "pass_to_pass"))
    }
    return resolution(report_of(status_map, groups)) == "RESOLVED_FULL"


def _load_official():
    try:
        from swebench.harness.grading import get_eval_tests_report, get_resolution_status
        from swebench.harness.log_parsers import MAP_REPO_TO_PARSER
    except ImportError:  # a test dependency: without it the table has no official column
        return None
    return MAP_REPO_TO_PARSER, get_eval_tests_report, get_resolution_status


OFFICIAL = _load_official()
COLUMNS = [
    "instances",
    "gold resolved",
    "empty unresolved",
    "not gradable",
    "errors",
    "missing",
    "official grading agrees",
    "time",
]


def _seconds(result: dict | None) -> float:
    """The task's wall time: checkout, the environment (its build when this task built it) and scoring."""
    return float(((result or {}).get("timing") or {}).get("total_s", 0.0))


def tally(
    rows: list[dict], gold: dict[str, dict], empty: dict[str, dict], logs: dict[str, Path]
) -> tuple[dict[str, dict[str, float]], list[str]]:
    """Per repository: counts (with what each is out of) and one line per instance that is not as expected."""
    per: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    why: list[str] = []
    for row in rows:
        repo, iid = row["repo"], row["instance_id"]
        g, e = classify(gold.get(iid)), classify(empty.get(iid))
        c = per[repo]
        c["instances"] += 1
        c["gold expected"] += g not in ("not_gradable", "missing")
        c["gold resolved"] += g == "resolved"
        c["empty expected"] += e in ("resolved", "unresolved")  # it counts only when its tests ran
        c["empty unresolved"] += e == "unresolved"
        c["not gradable"] += "not_gradable" in (g, e)
        c["errors"] += (g == "error") + (e == "error")
        c["missing"] += (g == "missing") + (e == "missing")
        c["time"] += _seconds(gold.get(iid)) + _seconds(empty.get(iid))
        for kind, verdict, results in (("gold", g, gold), ("empty", e, empty)):
            official = official_verdict(results.get(iid), logs.get(f"{kind}/{iid}", Path("-")))
            if official is not None:
                c["official graded"] += 1
                c["official agrees"] += official == (verdict == "resolved")
                if official != (verdict == "resolved"):
                    why.append(
                        f"{iid} {kind}: swebench 4.1.0 grading of the same log says "
                        f"{'resolved' if official else 'unresolved'}, ours {verdict}"
                    )
        if g == "not_gradable":
            why.append(f"{iid} not gradable: {str(gold[iid].get('reason', ''))[:300]}")
        elif g == "missing":
            continue  # not run into this output yet: counted in the table's "missing" column
        elif g != "resolved":
            why.append(f"{iid} gold {g}: {str((gold.get(iid) or {}).get('reason', 'no result'))[:300]}")
        if e == "resolved":
            why.append(f"{iid} EMPTY resolved")
        elif e == "error":
            why.append(f"{iid} empty error: {str((empty.get(iid) or {}).get('reason', ''))[:300]}")
    return per, why


def _cells(c: dict[str, float]) -> list[str]:
    official = f"{c['official agrees']:.0f}/{c['official graded']:.0f}" if OFFICIAL else "(no swebench)"
    return [
        f"{c['instances']:.0f}",
        f"{c['gold resolved']:.0f}/{c['gold expected']:.0f}",
        f"{c['empty unresolved']:.0f}/{c['empty expected']:.0f}",
        f"{c['not gradable']:.0f}",
        f"{c['errors']:.0f}",
        f"{c['missing']:.0f}",
        official,
        f"{c['time'] / 60:.1f} min",
    ]


def table(
    rows: list[dict],
    gold: dict[str, dict],
    empty: dict[str, dict],
    missing: list[str],
    logs: dict[str, Path] | None = None,
) -> tuple[Table, list[str]]:
    per, why = tally(rows, gold, empty, logs or {})
    out = Table(
        title="eval --gold / --empty on SWE-bench instances (reference: the dataset's verdicts, every "
        "gradable gold resolved and no empty; and swebench 4.1.0's grading of the same logs)"
    )
    out.add_column("repository")
    for col in COLUMNS:
        out.add_column(col, justify="right")
    total: dict[str, float] = defaultdict(float)
    for repo in sorted(per):
        for key, value in per[repo].items():
            total[key] += value
        out.add_row(repo, *_cells(per[repo]))
    out.add_row("all", *_cells(total), style="bold")
    for repo in missing:
        out.add_row(f"{repo} (no mirror: too large to mirror here)", *["-"] * len(COLUMNS))
    return out, why


def eval_logs(out: Path) -> dict[str, Path]:
    """kind/instance_id -> the task's eval.log (the test output both gradings read)."""
    return {
        f"{kind}/{log.parent.name}": log
        for kind in ("gold", "empty")
        for log in (out / kind / "tasks").glob("*/eval.log")
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--tasks", type=Path, nargs="+", default=[SHARED / "lite-test.jsonl", SHARED / "lite-dev.jsonl"]
    )
    ap.add_argument("--repos", nargs="+", help="only these repositories (owner/name)")
    ap.add_argument(
        "--instances", nargs="+", help="only these instance ids (a batch; the table reads them all)"
    )
    ap.add_argument("--mirrors", type=Path, default=MIRRORS)
    ap.add_argument("--output", type=Path, default=Path("/tmp/patchsmith-fidelity"))
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("--only", choices=["gold", "empty"], help="run one kind (the table reads what exists)")
    ap.add_argument("--report-only", action="store_true", help="print the table from an earlier --output")
    ap.add_argument("--no-progress", action="store_true")
    ap.add_argument("--retry-errors", action="store_true", help="run again the tasks that ended in an error")
    args = ap.parse_args()
    console = Console(width=max(160, Console().width))
    all_rows, missing = [], []
    for task_file in args.tasks:
        rows, miss = instances([task_file], args.repos, args.mirrors, args.instances)
        missing += miss
        if not args.report_only and rows:
            for kind in ("gold", "empty"):
                if args.only in (None, kind):
                    run_eval(kind, task_file, [r["instance_id"] for r in rows], args)
        all_rows += rows
    if not all_rows:
        console.print(f"no instance has a mirror under {args.mirrors}; bring one with the fetch tool")
        return 1
    gold, empty, logs = {}, {}, {}
    for task_file in args.tasks:
        gold.update(results(args.output / task_file.stem / "gold"))
        empty.update(results(args.output / task_file.stem / "empty"))
        logs.update(eval_logs(args.output / task_file.stem))
    out, why = table(all_rows, gold, empty, sorted(set(missing)), logs)
    console.print(out)
    for line in why:
        console.print(line, markup=False, highlight=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
