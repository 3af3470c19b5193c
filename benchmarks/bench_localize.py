"""Localization quality on real SWE-bench Lite instances, against plain BM25 over whole files.

For each instance whose repository has a local mirror (the library's `fetch` puts bare mirrors under
/work/.mirror/OWNER+NAME/repo), check out `base_commit`, index it, and ask:
  - files: are all files the reference patch touches in our top 1 / 3 / 5?
  - functions: are all functions/methods the patch edits (hunks mapped to their enclosing definition at the
    base commit) in our top 5 / 10?
Baseline, measured in the same run on the same checkout: bm25s over whole-file text (its default tokenizer,
English stopwords); for functions, bm25s over the function bodies of the baseline's top 10 files.

Repositories too large to mirror (django, matplotlib, scikit-learn) can be approximated with `--releases DIR`:
DIR holds released source trees named NAME-VERSION (an unpacked sdist, e.g. from `pip download --no-deps
--no-binary :all: django==2.2`, or a wheel's files placed as the repository lays them out, e.g. matplotlib's
under lib/), and an instance uses the newest release older than its own version, i.e. the code before the fix. Such rows are marked `~`: the tree is not `base_commit`, and a single commit has no history.

    PYTHONPATH=. python benchmarks/bench_localize.py [--per-repo N] [--repos sympy,flask] [--out results.json]
        [--releases DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import bm25s
import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from patchsmith.tools.index.localize import rank_files, rank_functions
from patchsmith.tools.index.repo import RepoIndex

SHARED = Path("/work/shared/swebench")
MIRRORS = Path("/work/.mirror")
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@")


def load_tasks(files: list[Path]) -> list[dict]:
    rows = []
    for f in files:
        if f.exists():
            rows += [json.loads(line) for line in f.read_text().splitlines() if line.strip()]
    return rows


def patch_old_lines(patch: str) -> dict[str, set[int]]:
    """path -> lines of the old file the patch changes (a pure insertion counts the line before it)."""
    out: dict[str, set[int]] = defaultdict(set)
    path = None
    old = 0
    for line in patch.splitlines():
        if line.startswith("diff --git "):
            path = None
        elif line.startswith("--- "):
            src = line[4:].strip()
            path = src[2:] if src.startswith("a/") else None
        elif line.startswith("+++ ") and path is None:
            dst = line[4:].strip()
            path = dst[2:] if dst.startswith("b/") else None
            if path:
                out[path]  # a new file: touched, no old lines
        elif (m := _HUNK.match(line)) and path:
            old = int(m.group(1))
        elif path and line.startswith("-") and not line.startswith("---"):
            out[path].add(old)
            old += 1
        elif path and line.startswith("+") and not line.startswith("+++"):
            out[path].add(max(old - 1, 1))
        elif path and line.startswith(" "):
            old += 1
    return out


def gold_functions(index: RepoIndex, old_lines: dict[str, set[int]]) -> set[tuple[str, str]]:
    found = set()
    for path, lines in old_lines.items():
        rows = [r for r in index.outline(path) if r.kind in ("function", "method")]
        for ln in lines:
            inner = None
            for r in rows:
                if r.line <= ln <= r.end_line and (inner is None or r.line >= inner.line):
                    inner = r
            if inner is not None:
                found.add((path, inner.qualified))
    return found


def baseline(index: RepoIndex, text: str, code_paths: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    docs, kept = [], []
    for p in code_paths:
        try:
            docs.append((index.root / p).read_text(encoding="utf-8", errors="replace"))
            kept.append(p)
        except OSError:
            pass
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(docs, stopwords="en", show_progress=False), show_progress=False)
    query = bm25s.tokenize([text], stopwords="en", show_progress=False)
    res, _ = retriever.retrieve(query, k=min(10, len(kept)), show_progress=False)
    files = [kept[i] for i in res[0]]
    # functions: plain BM25 over the bodies of the baseline's top files
    fdocs, fkeys = [], []
    for p in files:
        lines = (index.root / p).read_text(encoding="utf-8", errors="replace").splitlines()
        for r in index.outline(p):
            if r.kind in ("function", "method"):
                fdocs.append("\n".join(lines[r.line - 1:r.end_line]))
                fkeys.append((p, r.qualified))
    funcs: list[tuple[str, str]] = []
    if fdocs:
        fr = bm25s.BM25()
        fr.index(bm25s.tokenize(fdocs, stopwords="en", show_progress=False), show_progress=False)
        scores = np.asarray(fr.get_scores(bm25s.tokenize([text], stopwords="en", show_progress=False,
                                                         return_ids=False)[0]))
        funcs = [fkeys[i] for i in np.argsort(-scores, kind="stable")[:10]]
    return files, funcs


def _absent_blobs(work: Path, commit: str) -> list[str]:
    """Paths at `commit` whose blobs the mirror lacks (the library's mirrors leave out their largest files)."""
    tree = subprocess.run(["git", "-C", str(work), "ls-tree", "-r", "-z", commit], check=True,
                          capture_output=True).stdout.decode("utf-8", "surrogateescape")
    entries = [e.split("\t", 1) for e in tree.split("\0") if e]
    blobs = [(meta.split()[2], path) for meta, path in entries if meta.split()[1] == "blob"]
    check = subprocess.run(["git", "-C", str(work), "cat-file", "--batch-check"], check=True, capture_output=True,
                           input="\n".join(sha for sha, _ in blobs).encode()).stdout.decode().splitlines()
    return [path for (_, path), line in zip(blobs, check, strict=True) if line.endswith(" missing")]


def checkout(mirror: Path, work: Path, commit: str) -> Path:
    if not work.exists():
        subprocess.run(["git", "clone", "-q", "--shared", "--no-checkout", str(mirror), str(work)], check=True)
    absent = _absent_blobs(work, commit)
    head = subprocess.run(["git", "-C", str(work), "rev-parse", "-q", "--verify", "HEAD"], capture_output=True,
                          text=True).stdout.strip()
    if head:  # changing the patterns re-checks out the current commit first: its absent files must stay out too
        absent = sorted(set(absent) | set(_absent_blobs(work, head)))
    # Leave absent files out of the checkout (sparse) so the rest of the commit checks out; they are large data.
    patterns = "/*\n" + "".join(f"!/{p}\n" for p in absent) if absent else None
    if patterns:
        subprocess.run(["git", "-C", str(work), "sparse-checkout", "set", "--no-cone", "--stdin"], check=True,
                       input=patterns.encode(), capture_output=True)
    else:
        subprocess.run(["git", "-C", str(work), "sparse-checkout", "disable"], capture_output=True)
    subprocess.run(["git", "-C", str(work), "checkout", "-q", "-f", "--detach", commit], check=True,
                   capture_output=True)
    subprocess.run(["git", "-C", str(work), "clean", "-q", "-fdx"], check=True)
    return work


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", text)[:3])


def release_tree(releases: Path | None, repo: str, version: str) -> Path | None:
    """The newest released tree of `repo` older than `version`, made a git repository on first use."""
    if releases is None or not releases.is_dir():
        return None
    name = repo.split("/")[1].lower()
    trees = [d for d in releases.iterdir() if d.is_dir() and d.name.lower().rpartition("-")[0] == name
             and _version(d.name.rpartition("-")[2]) < _version(version)]
    if not trees:
        return None
    tree = max(trees, key=lambda d: _version(d.name.rpartition("-")[2]))
    if not (tree / ".git").exists():
        env = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
               "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.invalid", "PATH": "/usr/bin:/bin"}
        for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", f"release {tree.name}"]):
            subprocess.run(["git", "-C", str(tree), *cmd], check=True, capture_output=True, env=env)
    return tree


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tasks", type=Path, nargs="*", default=[SHARED / "lite-test.jsonl", SHARED / "lite-dev.jsonl"])
    ap.add_argument("--mirrors", type=Path, default=MIRRORS)
    ap.add_argument("--per-repo", type=int, default=0, help="at most N instances per repository (0: all)")
    ap.add_argument("--repos", default="", help="comma-separated substrings of repository names to keep")
    ap.add_argument("--workdir", type=Path, default=None, help="checkouts and index cache (default: a temp dir)")
    ap.add_argument("--out", type=Path, default=None, help="write per-instance results as JSON")
    ap.add_argument("--releases", type=Path, default=None,
                    help="released source trees (NAME-VERSION) for repositories without a mirror (approximate)")
    args = ap.parse_args()
    console = Console(width=170)
    tasks = load_tasks(args.tasks)
    chosen: list[dict] = []
    per_repo: dict[str, int] = defaultdict(int)
    for t in tasks:
        mirror = args.mirrors / t["repo"].replace("/", "+") / "repo"
        if not mirror.exists() and release_tree(args.releases, t["repo"], t["version"]) is None:
            continue
        if args.repos and not any(s in t["repo"] for s in args.repos.split(",")):
            continue
        if args.per_repo and per_repo[t["repo"]] >= args.per_repo:
            continue
        per_repo[t["repo"]] += 1
        chosen.append(t)
    if not chosen:
        console.print(f"no instance has a mirror under {args.mirrors}; fetch e.g. psf/requests first")
        return 2
    chosen.sort(key=lambda t: (t["repo"], t["created_at"]))
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="patchsmith-bench-loc-"))
    cache = workdir / "cache"
    results = []
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as progress:
        bar = progress.add_task("instances", total=len(chosen))
        for t in chosen:
            progress.update(bar, description=t["instance_id"])
            mirror = args.mirrors / t["repo"].replace("/", "+") / "repo"
            approx = release_tree(args.releases, t["repo"], t["version"]) if not mirror.exists() else None
            try:
                root = approx or checkout(mirror, workdir / t["repo"].replace("/", "+"), t["base_commit"])
            except subprocess.CalledProcessError as exc:
                console.print(f"[yellow]skip {t['instance_id']}: checkout failed ({exc})")
                progress.advance(bar)
                continue
            t0 = time.perf_counter()
            index = RepoIndex.open(root, cache)
            t_index = time.perf_counter() - t0
            old_lines = patch_old_lines(t["patch"])
            gold = set(old_lines)
            if approx and not all((root / p).exists() for p in gold):
                index.close()  # the fix adds a file the older release lacks: not comparable
                progress.advance(bar)
                continue
            gold_fn = gold_functions(index, old_lines)
            text = t["problem_statement"]
            t0 = time.perf_counter()
            ranked, by_file, mentions = rank_files(index, text)
            funcs = rank_functions(index, text, ranked[:10], by_file, mentions)
            t_ours = time.perf_counter() - t0
            ours_files = [p for p, _, _ in ranked[:10]]
            ours_funcs = [(p, r.qualified) for p, r, _ in funcs[:10]]
            code_paths = sorted(index.store.files(index.key))
            t0 = time.perf_counter()
            base_files, base_funcs = baseline(index, text, code_paths)
            t_base = time.perf_counter() - t0
            index.close()
            results.append({
                "instance_id": t["instance_id"], "repo": t["repo"] + (" ~" if approx else ""), "gold_files": sorted(gold),
                "gold_functions": sorted(map(list, gold_fn)), "ours_files": ours_files, "base_files": base_files,
                "ours_functions": ours_funcs, "base_functions": base_funcs,
                "seconds": {"index": t_index, "ours": t_ours, "baseline": t_base}})
            progress.advance(bar)
    if args.out:
        args.out.write_text(json.dumps(results, indent=1))
    print_table(console, results)
    return 0


def all_in(gold: list, ranked: list, k: int) -> bool:
    def norm(items):
        return {tuple(x) if isinstance(x, list) else x for x in items}
    wanted = norm(gold)
    return bool(wanted) and wanted <= norm(ranked[:k])


def print_table(console: Console, results: list[dict]) -> None:
    table = Table(title="Localization on SWE-bench Lite: all gold files / functions in top k (%)")
    for col in ("repository", "n", "ours@1", "bm25@1", "ours@3", "bm25@3", "ours@5", "bm25@5", "Δ@5",
                "fn n", "ours fn@5", "bm25 fn@5", "ours fn@10", "bm25 fn@10", "s/inst"):
        table.add_column(col, justify="right" if col != "repository" else "left")
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in results:
        groups[r["repo"]].append(r)
    groups_items = sorted(groups.items())
    exact = [r for r in results if not r["repo"].endswith(" ~")]
    if len(exact) < len(results):  # approximate trees apart, so the exact-checkout total stands on its own
        groups_items += [("ALL exact", exact), ("ALL ~", [r for r in results if r["repo"].endswith(" ~")])]
    groups_items += [("ALL", results)]
    for repo, rs in groups_items:
        def pct(key: str, k: int, rows=rs, gold="gold_files") -> float:
            ok = [all_in(r[gold], r[key], k) for r in rows if r[gold]]
            return 100.0 * sum(ok) / len(ok) if ok else float("nan")
        fn_rows = [r for r in rs if r["gold_functions"]]
        o5, b5 = pct("ours_files", 5), pct("base_files", 5)
        table.add_row(
            f"[bold]{repo}" if repo.startswith("ALL") else repo, str(len(rs)),
            f"{pct('ours_files', 1):.0f}", f"{pct('base_files', 1):.0f}",
            f"{pct('ours_files', 3):.0f}", f"{pct('base_files', 3):.0f}", f"{o5:.0f}", f"{b5:.0f}",
            f"{o5 - b5:+.0f}", str(len(fn_rows)),
            f"{pct('ours_functions', 5, fn_rows, 'gold_functions'):.0f}",
            f"{pct('base_functions', 5, fn_rows, 'gold_functions'):.0f}",
            f"{pct('ours_functions', 10, fn_rows, 'gold_functions'):.0f}",
            f"{pct('base_functions', 10, fn_rows, 'gold_functions'):.0f}",
            f"{np.mean([r['seconds']['ours'] for r in rs]):.2f}")
    console.print(table)
    console.print(f"{len(results)} instances across {len(groups)} repositories; s/inst = our ranking time "
                  "(index refresh excluded); ~ = a released source tree, not base_commit (see --releases).")


if __name__ == "__main__":
    sys.exit(main())
