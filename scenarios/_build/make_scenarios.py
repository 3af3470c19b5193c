"""Build the offline scenarios under scenarios/ from the sources kept in scenarios/_build/.

Sources:
- repos/<name>/history.json lists the commits of a small repository, oldest first; each
  names a folder of files (an overlay written over the previous tree), a message, an author
  and a date, and optionally a `label` that tasks refer to.
- tasks/<instance_id>/spec.py holds TASK (repo, base label, version, created_at, the expected
  FAIL_TO_PASS), PROBLEM, HINTS, FIX (the reference fix as (path, old, new) replacements),
  EXPECT (what the checker should see while replaying) and REPLIES (the scripted model replies),
  and for a task whose issue leaves a decision open CLARIFY_REPLIES / CLARIFY_EXPECT (the replies
  of a `run --clarify hints`, which ask with ask_user and are answered from HINTS);
  tasks/<instance_id>/overlay/ holds the test files as they are after the test patch.

Output, per task: scenarios/<instance_id>/{task.json, repo.bundle, replies.jsonl} (and
replies-clarify-hints/react.jsonl from CLARIFY_REPLIES). Commits
carry fixed identities and dates, so shas (and bundles) are the same on every build.
FAIL_TO_PASS / PASS_TO_PASS are measured the SWE-bench way by running the test files the
test patch touches without and with the fix; the build stops if they differ from TASK's.

Run: python scenarios/_build/make_scenarios.py [--check]
"""

from __future__ import annotations

import argparse
import json
import re
import runpy
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import check_scenarios as checks  # noqa: E402  (sibling script, not a package)

HERE = Path(__file__).resolve().parent
OUT = HERE.parent
TEST_CMDS = {
    "python": "python -m pytest -rA -p no:cacheprovider {tests}",
    "javascript": "node --test --test-reporter=tap {tests}",
}


def commit_env(author: str, date: str) -> dict[str, str]:
    match = re.fullmatch(r"(.+?) <(.+)>", author)
    if match is None:
        raise SystemExit(f"author {author!r} should look like 'Name <email>'")
    name, email = match.groups()
    env = checks.git_env()
    env.update(GIT_AUTHOR_NAME=name, GIT_AUTHOR_EMAIL=email, GIT_AUTHOR_DATE=date,
               GIT_COMMITTER_NAME=name, GIT_COMMITTER_EMAIL=email, GIT_COMMITTER_DATE=date)
    return env


def build_repo(name: str, dest: Path) -> dict[str, str]:
    """Create the repository's history in `dest`; return label -> sha (folder names are labels too)."""
    source = HERE / "repos" / name
    history = json.loads((source / "history.json").read_text(encoding="utf-8"))
    checks.git(dest.parent, "init", "-q", "-b", "main", str(dest))
    labels: dict[str, str] = {}
    for entry in history:
        overlay = source / entry["dir"]
        for path in sorted(overlay.rglob("*")):
            if path.is_file():
                target = dest / path.relative_to(overlay)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(path.read_bytes())
        for removed in entry.get("delete", []):
            (dest / removed).unlink()
        checks.git(dest, "add", "-A")
        subprocess.run(["git", "commit", "-q", "-m", entry["message"]], cwd=dest, check=True,
                       env=commit_env(entry["author"], entry["date"]))
        sha = checks.git(dest, "rev-parse", "HEAD").strip()
        labels[entry["dir"]] = sha
        if "label" in entry:
            labels[entry["label"]] = sha
    labels["initial"] = labels[history[0]["dir"]]
    return labels


def diff_of(work: Path, base: str) -> str:
    checks.git(work, "add", "-A")
    patch = checks.git(work, "diff", "--cached", base)
    checks.git(work, "reset", "-q", "--hard", base)
    checks.git(work, "clean", "-q", "-fdx")
    return patch


def write_replies(path: Path, replies: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for reply in replies:
            handle.write(json.dumps(reply, ensure_ascii=False) + "\n")


def build_task(task_dir: Path, repo_dir: Path, labels: dict[str, str], tmp: Path) -> dict:
    spec = runpy.run_path(str(task_dir / "spec.py"))
    meta = spec["TASK"]
    instance_id = task_dir.name
    base = labels[meta["base"]]
    language = meta["language"]
    work = tmp / f"work-{instance_id}"
    checks.git(tmp, "clone", "-q", str(repo_dir), str(work))
    checks.git(work, "checkout", "-q", base)

    for path, old, new in spec["FIX"]:
        target = work / path
        text = target.read_text(encoding="utf-8")
        if text.count(old) != 1:
            raise SystemExit(f"{instance_id}: FIX old text occurs {text.count(old)} times in {path}")
        target.write_text(text.replace(old, new), encoding="utf-8")
    patch = diff_of(work, base)

    overlay = task_dir / "overlay"
    for path in sorted(overlay.rglob("*")):
        if path.is_file():
            target = work / path.relative_to(overlay)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    test_patch = diff_of(work, base)

    task = {
        "instance_id": instance_id,
        "repo": f"patchsmith/{meta['repo']}",
        "base_commit": base,
        "patch": patch,
        "test_patch": test_patch,
        "problem_statement": spec["PROBLEM"].strip() + "\n",
        "hints_text": spec.get("HINTS", "").strip(),
        "created_at": meta["created_at"],
        "version": meta["version"],
        "FAIL_TO_PASS": "[]",
        "PASS_TO_PASS": "[]",
        "environment_setup_commit": labels["initial"],
        "language": language,
        "test_cmd": TEST_CMDS[language],
        "install": [],
    }
    test_files = checks.files_in_diff(test_patch)
    for patch_text in (test_patch,):
        subprocess.run(["git", "apply", "-"], cwd=work, input=patch_text, text=True, check=True)
    before, _, _ = checks.run_tests(work, task, test_files)
    subprocess.run(["git", "apply", "-"], cwd=work, input=patch, text=True, check=True)
    after, output, _ = checks.run_tests(work, task, test_files)
    failing_after = [t for t, s in after.items() if s != "PASSED"]
    if failing_after:
        raise SystemExit(f"{instance_id}: with the fix these tests fail: {failing_after}\n{output}")
    f2p = [t for t in after if before.get(t) != "PASSED"]
    p2p = [t for t in after if before.get(t) == "PASSED"]
    if sorted(f2p) != sorted(meta["FAIL_TO_PASS"]):
        raise SystemExit(f"{instance_id}: measured FAIL_TO_PASS {f2p} != declared {meta['FAIL_TO_PASS']}")
    task["FAIL_TO_PASS"] = json.dumps(f2p)
    task["PASS_TO_PASS"] = json.dumps(p2p)

    out = OUT / instance_id
    out.mkdir(exist_ok=True)
    (out / "task.json").write_text(json.dumps(task, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    write_replies(out / "replies.jsonl", spec["REPLIES"])
    if "CLARIFY_REPLIES" in spec:  # the run where the agent may ask (`run --clarify hints`)
        write_replies(out / checks.CLARIFY_REPLIES, spec["CLARIFY_REPLIES"])
    # The bundle's only branch points at the buggy commit: the repository as the reporter saw it.
    checks.git(repo_dir, "update-ref", "refs/heads/main", base)
    bundle = out / "repo.bundle"
    bundle.unlink(missing_ok=True)
    checks.git(repo_dir, "-c", "pack.threads=1", "bundle", "create", "-q", str(bundle), "--all")
    return task


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="run check_scenarios.py afterwards")
    parser.add_argument("only", nargs="*", help="instance ids to build (default: all)")
    args = parser.parse_args(argv)
    task_dirs = sorted(p for p in (HERE / "tasks").iterdir() if (p / "spec.py").exists())
    if args.only:
        task_dirs = [p for p in task_dirs if p.name in args.only]
    with tempfile.TemporaryDirectory(prefix="make-scenarios-") as tmp_name:
        tmp = Path(tmp_name)
        repos: dict[str, tuple[Path, dict[str, str]]] = {}
        for task_dir in task_dirs:
            repo_name = runpy.run_path(str(task_dir / "spec.py"))["TASK"]["repo"]
            if repo_name not in repos:
                repo_dir = tmp / "repos" / repo_name
                repo_dir.parent.mkdir(exist_ok=True)
                repos[repo_name] = (repo_dir, build_repo(repo_name, repo_dir))
            repo_dir, labels = repos[repo_name]
            task = build_task(task_dir, repo_dir, labels, tmp)
            print(f"built {task['instance_id']:28} base {task['base_commit'][:12]}  "
                  f"F2P {len(json.loads(task['FAIL_TO_PASS']))}  P2P {len(json.loads(task['PASS_TO_PASS']))}")
        shutil.rmtree(tmp / "repos", ignore_errors=True)
    if args.check:
        return checks.main([p.name for p in task_dirs])
    return 0


if __name__ == "__main__":
    sys.exit(main())
