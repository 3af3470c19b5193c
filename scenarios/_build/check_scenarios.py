"""Verify the offline scenarios under scenarios/ with the real test runners.

For every scenario folder (task.json + repo.bundle + replies.jsonl) this checks:

- task.json carries every SWE-bench field (plus language/test_cmd/install), with
  FAIL_TO_PASS / PASS_TO_PASS as JSON-encoded lists of test ids;
- base_commit and environment_setup_commit exist in the bundle;
- `patch` touches source files only and `test_patch` test files only;
- empty patch + test_patch: some FAIL_TO_PASS test fails, every PASS_TO_PASS test passes;
- gold patch + test_patch: every FAIL_TO_PASS and PASS_TO_PASS test passes;
- replies.jsonl parses, and a plain-Python replay of its edits (str_replace needs its
  old_str exactly once, undo_edit restores, a Python edit that does not compile is refused
  as the editor's lint guard does) yields a diff that, with test_patch, passes them all.
  The replay also runs the replies' run_tests and bash steps for real and compares them
  with the expectations written in scenarios/_build/tasks/<id>/spec.py (which runs fail).
- replies-clarify-hints/react.jsonl, where a task has one (the replies of `run --clarify hints`),
  is checked the same way, and each of its ask_user steps is answered as that run answers it
  (patchsmith's own HintsAsker over hints_text): the answers must hold what CLARIFY_EXPECT says.

Run: python scenarios/_build/check_scenarios.py [--jobs N] [SCENARIO_ID ...]
Exit code 0 when every scenario is clean, 1 otherwise.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import runpy
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCENARIOS_DIR = HERE.parent

SWEBENCH_FIELDS = (
    "instance_id", "repo", "base_commit", "patch", "test_patch", "problem_statement", "hints_text",
    "created_at", "version", "FAIL_TO_PASS", "PASS_TO_PASS", "environment_setup_commit",
)
EXTRA_FIELDS = ("language", "test_cmd", "install")
TOOLS = {"str_replace_editor", "search", "find_file", "run_tests", "bash", "submit"}
CLARIFY_REPLIES = "replies-clarify-hints/react.jsonl"  # replies where the agent may ask (ask_user)
CLARIFY_TOOLS = TOOLS | {"ask_user"}
EDITOR_COMMANDS = {"view", "create", "str_replace", "insert", "undo_edit"}
RUN_TIMEOUT = 120.0

_PYTEST_LINE = re.compile(r"^(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS) (\S+)")
_TAP_LINE = re.compile(r"^(not ok|ok) \d+ - (.*?)(?: # (?:SKIP|TODO)\b.*)?$")
_DIFF_FILE = re.compile(r"^diff --git a/(\S+) b/(\S+)$", re.MULTILINE)


def git_env() -> dict[str, str]:
    """An environment where the user's git config cannot change what git does here."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PYTEST_"))}
    # The scenario repos need no pytest plugins; not loading the ones installed here keeps runs
    # hermetic and saves seconds per run (some plugins import large UI libraries).
    env.update(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1", PYTHONDONTWRITEBYTECODE="1",
               PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
               GIT_AUTHOR_NAME="check", GIT_AUTHOR_EMAIL="check@patchsmith.invalid",
               GIT_COMMITTER_NAME="check", GIT_COMMITTER_EMAIL="check@patchsmith.invalid")
    return env


def git(cwd: Path, *args: str, input_text: str | None = None, check: bool = True) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, env=git_env(), input=input_text, text=True,
                          capture_output=True)
    if check and proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed in {cwd}: {proc.stderr.strip()}")
    return proc.stdout


# ---------------------------------------------------------------- test runs

def parse_test_output(language: str, output: str) -> dict[str, str]:
    """Test id -> PASSED/FAILED from pytest `-rA` summary lines or Node's TAP reporter."""
    results: dict[str, str] = {}
    for line in output.splitlines():
        if language == "python":
            match = _PYTEST_LINE.match(line)
            if match:
                status, test_id = match.groups()
                results[test_id] = "PASSED" if status in ("PASSED", "XFAIL") else (
                    "SKIPPED" if status == "SKIPPED" else "FAILED")
        else:
            # Top-level tests only: nested subtests are indented in TAP output.
            match = _TAP_LINE.match(line)
            if match:
                status, name = match.groups()
                results[name.replace("\\#", "#").replace("\\\\", "\\")] = (
                    "PASSED" if status == "ok" else "FAILED")
    return results


def test_command(task: dict, tests: list[str]) -> str:
    return task["test_cmd"].replace("{tests}", " ".join(shlex.quote(t) for t in tests)).strip()


def run_tests(repo: Path, task: dict, tests: list[str]) -> tuple[dict[str, str], str, int]:
    command = test_command(task, tests)
    proc = subprocess.run(command, shell=True, cwd=repo, env=git_env(), text=True, capture_output=True,
                          timeout=RUN_TIMEOUT)
    output = proc.stdout + proc.stderr
    return parse_test_output(task["language"], output), output, proc.returncode


def files_in_diff(patch: str) -> list[str]:
    return [b for _a, b in _DIFF_FILE.findall(patch)]


def is_test_path(path: str) -> bool:
    parts = Path(path).parts
    name = parts[-1]
    return ("tests" in parts[:-1] or "test" in parts[:-1] or name.startswith("test_")
            or name.endswith((".test.js", "_test.py")))


# ---------------------------------------------------------------- replay

@dataclass
class ReplayResult:
    problems: list[str] = field(default_factory=list)
    lint_refusals: list[int] = field(default_factory=list)  # 0-based reply indexes
    failing_runs: list[int] = field(default_factory=list)
    passing_runs: list[int] = field(default_factory=list)
    bash_outputs: dict[int, str] = field(default_factory=dict)
    answers: dict[int, str | None] = field(default_factory=dict)  # ask_user steps: the answer, None for none
    submitted: bool = False


def load_replies(path: Path, tools: set[str] = TOOLS) -> tuple[list[dict], list[str]]:
    replies: list[dict] = []
    problems: list[str] = []
    name = path.name if path.name == "replies.jsonl" else CLARIFY_REPLIES
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            reply = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{name} line {number}: not JSON ({exc})")
            continue
        if not isinstance(reply, dict) or not isinstance(reply.get("args", {}), dict):
            problems.append(f"{name} line {number}: expected an object with tool/args")
            continue
        if reply.get("tool") not in tools:
            problems.append(f"{name} line {number}: unknown tool {reply.get('tool')!r}")
        if not str(reply.get("thought", "")).strip():
            problems.append(f"{name} line {number}: empty thought")
        replies.append(reply)
    return replies, problems


def _python_compiles(path: Path, text: str) -> bool:
    if path.suffix != ".py":
        return True
    try:
        compile(text, str(path), "exec")
    except SyntaxError:
        return False
    return True


def _repo_files(repo: Path) -> list[str]:
    return [str(p.relative_to(repo)) for p in sorted(repo.rglob("*"))
            if p.is_file() and ".git" not in p.relative_to(repo).parts]


def replay(repo: Path, task: dict, replies: list[dict]) -> ReplayResult:
    """Apply the replies' edits to the checkout at `repo` the way the editor tool does."""
    result = ReplayResult()
    history: dict[str, list[str | None]] = {}
    for index, reply in enumerate(replies):
        where = f"reply {index + 1}"
        tool, args = reply.get("tool"), reply.get("args", {})
        if result.submitted:
            result.problems.append(f"{where}: comes after submit")
        if tool == "submit":
            result.submitted = True
        elif tool == "str_replace_editor":
            _replay_edit(repo, index, args, history, result)
        elif tool == "search":
            pattern, glob = args.get("pattern", ""), args.get("path") or "*"
            matcher = re.compile(pattern) if args.get("regex") else None
            hits = [f for f in _repo_files(repo) if fnmatch.fnmatch(f, glob) or fnmatch.fnmatch(f, f"{glob}/*")
                    for text in [(repo / f).read_text(encoding="utf-8", errors="replace")]
                    if (matcher.search(text) if matcher else pattern in text)]
            if not pattern or not hits:
                result.problems.append(f"{where}: search {pattern!r} in {glob!r} finds nothing")
        elif tool == "find_file":
            pattern = args.get("pattern", "")
            if not pattern or not any(fnmatch.fnmatch(Path(f).name, pattern) or pattern in f
                                      for f in _repo_files(repo)):
                result.problems.append(f"{where}: find_file {pattern!r} finds nothing")
        elif tool == "run_tests":
            tests = args.get("tests") or []
            statuses, output, code = run_tests(repo, task, list(tests))
            ok = code == 0 and bool(statuses) and all(s != "FAILED" for s in statuses.values())
            (result.passing_runs if ok else result.failing_runs).append(index)
        elif tool == "bash":
            proc = subprocess.run(args.get("command", ""), shell=True, cwd=repo, env=git_env(), text=True,
                                  capture_output=True, timeout=RUN_TIMEOUT)
            result.bash_outputs[index] = proc.stdout + proc.stderr
        elif tool == "ask_user":
            result.answers[index] = hints_answer(task.get("hints_text") or "", args)
    if not result.submitted:
        result.problems.append("replies never submit")
    return result


def hints_answer(hints_text: str, args: dict) -> str | None:
    """What `run --clarify hints` answers: patchsmith's own answerer, so the check cannot drift from it."""
    if str(SCENARIOS_DIR.parent) not in sys.path:
        sys.path.insert(0, str(SCENARIOS_DIR.parent))  # the patchsmith these scenarios ship with
    from patchsmith.agent.clarify import HintsAsker
    from patchsmith.agent.events import Question

    question = Question(text=str(args.get("question", "")), choices=[str(c) for c in args.get("choices") or []])
    return HintsAsker(hints_text).ask(question).text


def _replay_edit(repo: Path, index: int, args: dict, history: dict[str, list[str | None]],
                 result: ReplayResult) -> None:
    where = f"reply {index + 1}"
    command, rel = args.get("command"), args.get("path", "")
    if command not in EDITOR_COMMANDS:
        result.problems.append(f"{where}: unknown editor command {command!r}")
        return
    path = repo / rel
    if not rel or Path(rel).is_absolute() or ".." in Path(rel).parts:
        result.problems.append(f"{where}: path {rel!r} must be relative to the repository root")
        return
    if command == "view":
        if not path.exists():
            result.problems.append(f"{where}: view of missing {rel}")
        return
    if command == "undo_edit":
        if not history.get(rel):
            result.problems.append(f"{where}: undo_edit of {rel} with nothing to undo")
            return
        before = history[rel].pop()
        if before is None:
            path.unlink()
        else:
            path.write_text(before, encoding="utf-8")
        return
    before = path.read_text(encoding="utf-8") if path.exists() else None
    if command == "create":
        if before is not None:
            result.problems.append(f"{where}: create of existing {rel}")
            return
        after = args.get("file_text", "")
    elif before is None:
        result.problems.append(f"{where}: {command} on missing {rel}")
        return
    elif command == "str_replace":
        old, new = args.get("old_str", ""), args.get("new_str", "")
        count = before.count(old) if old else 0
        if count != 1:
            result.problems.append(f"{where}: old_str occurs {count} times in {rel} (must be exactly once)")
            return
        after = before.replace(old, new, 1)
    else:  # insert
        lines = before.splitlines(keepends=True)
        line = args.get("insert_line")
        if not isinstance(line, int) or not 0 <= line <= len(lines):
            result.problems.append(f"{where}: insert_line {line!r} outside 0..{len(lines)} in {rel}")
            return
        text = args.get("new_str", "")
        if text and not text.endswith("\n"):
            text += "\n"
        after = "".join(lines[:line]) + text + "".join(lines[line:])
    if not _python_compiles(path, after):
        result.lint_refusals.append(index)  # the editor's lint guard leaves the file as it was
        return
    history.setdefault(rel, []).append(before)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(after, encoding="utf-8")


# ---------------------------------------------------------------- one scenario

@dataclass
class ScenarioReport:
    instance_id: str
    problems: list[str] = field(default_factory=list)
    empty_failing: list[str] = field(default_factory=list)
    replies_match_gold: bool = False  # the replies' final diff is byte-identical to `patch`
    steps: int = 0
    seconds: float = 0.0


def decode_list(value: object) -> list[str]:
    """The official exports JSON-encode the test lists; tolerate real lists too."""
    decoded = json.loads(value) if isinstance(value, str) else value
    if not isinstance(decoded, list) or not all(isinstance(x, str) for x in decoded):
        raise ValueError("expected a JSON-encoded list of test ids")
    return decoded


def load_expectations(instance_id: str, name: str = "EXPECT") -> dict:
    """EXPECT (replies.jsonl) or CLARIFY_EXPECT (the --clarify hints replies) of the task's spec.py."""
    spec = HERE / "tasks" / instance_id / "spec.py"
    if not spec.exists():
        return {}
    return dict(runpy.run_path(str(spec)).get(name, {}))


def check_task_fields(folder: Path, task: dict) -> list[str]:
    problems = [f"task.json lacks {name}" for name in (*SWEBENCH_FIELDS, *EXTRA_FIELDS) if name not in task]
    if problems:
        return problems
    if task["instance_id"] != folder.name:
        problems.append(f"instance_id {task['instance_id']!r} differs from the folder name")
    if not re.fullmatch(r"patchsmith/[a-z0-9_-]+", task["repo"]):
        problems.append(f"repo {task['repo']!r} should be patchsmith/<name>")
    elif task["instance_id"].rsplit("-", 1)[0] != task["repo"].replace("/", "__"):
        problems.append("instance_id should be <owner>__<name>-<number>")
    for key in ("base_commit", "environment_setup_commit"):
        if not re.fullmatch(r"[0-9a-f]{40}", task[key]):
            problems.append(f"{key} is not a full sha")
    for key in ("FAIL_TO_PASS", "PASS_TO_PASS"):
        if not isinstance(task[key], str):
            problems.append(f"{key} should be a JSON-encoded string, as in the official exports")
        try:
            decode_list(task[key])
        except ValueError as exc:
            problems.append(f"{key}: {exc}")
    if problems:
        return problems
    f2p, p2p = decode_list(task["FAIL_TO_PASS"]), decode_list(task["PASS_TO_PASS"])
    if not f2p:
        problems.append("FAIL_TO_PASS is empty")
    if set(f2p) & set(p2p):
        problems.append("a test is in both FAIL_TO_PASS and PASS_TO_PASS")
    if task["language"] not in ("python", "javascript"):
        problems.append(f"unknown language {task['language']!r}")
    if "{tests}" not in task["test_cmd"]:
        problems.append("test_cmd lacks the {tests} placeholder")
    if task["install"] != []:
        problems.append("install should be [] (the scenarios need nothing beyond pytest/node)")
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", task["created_at"]):
        problems.append("created_at should look like 2024-01-31T12:00:00Z")
    source = files_in_diff(task["patch"])
    tests = files_in_diff(task["test_patch"])
    if not source or any(is_test_path(p) for p in source):
        problems.append(f"patch should touch source files only: {source}")
    if not tests or not all(is_test_path(p) for p in tests):
        problems.append(f"test_patch should touch test files only: {tests}")
    added = [line[1:].strip() for line in task["patch"].splitlines()
             if line.startswith("+") and not line.startswith("+++") and len(line.strip()) > 25]
    leaked = [line for line in added if line in task["problem_statement"]]
    if leaked:
        problems.append(f"problem_statement gives the fix away: {leaked[0]!r}")
    return problems


def check_scenario(folder: Path) -> ScenarioReport:
    started = time.monotonic()
    report = ScenarioReport(folder.name)
    try:
        _check(folder, report)
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:  # one broken scenario, not a crash
        report.problems.append(f"checker error: {exc}")
    report.seconds = time.monotonic() - started
    return report


def _check(folder: Path, report: ScenarioReport) -> None:
    try:
        task = json.loads((folder / "task.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        report.problems.append(f"task.json unreadable: {exc}")
        return
    report.problems += check_task_fields(folder, task)
    if report.problems:
        return
    scripts = [(folder / "replies.jsonl", TOOLS, "EXPECT")]
    if (folder / CLARIFY_REPLIES).exists():
        scripts.append((folder / CLARIFY_REPLIES, CLARIFY_TOOLS, "CLARIFY_EXPECT"))
    loaded = []
    for path, tools, expect_name in scripts:
        replies, reply_problems = load_replies(path, tools)
        report.problems += reply_problems
        if not 5 <= len(replies) <= 15:
            report.problems.append(f"{path.name}: {len(replies)} replies; a realistic solve takes 5-15 steps")
        loaded.append((path, replies, load_expectations(task["instance_id"], expect_name)))
    report.steps = len(loaded[0][1])
    f2p, p2p = decode_list(task["FAIL_TO_PASS"]), decode_list(task["PASS_TO_PASS"])
    test_files = files_in_diff(task["test_patch"])

    with tempfile.TemporaryDirectory(prefix=f"scenario-{folder.name}-") as tmp:
        repo = Path(tmp) / "repo"
        bundle = folder / "repo.bundle"
        git(Path(tmp), "clone", "-q", str(bundle), str(repo))
        missing = [key for key in ("base_commit", "environment_setup_commit")
                   if git(repo, "cat-file", "-t", task[key], check=False).strip() != "commit"]
        if missing:
            report.problems += [f"{key} {task[key][:12]} is not a commit in repo.bundle" for key in missing]
            return
        heads = git(repo, "bundle", "list-heads", str(bundle.resolve()))
        if task["base_commit"] not in heads:
            report.problems.append("base_commit is not a head of the bundle (it should be the buggy HEAD)")

        def fresh() -> None:
            git(repo, "checkout", "-q", "--force", task["base_commit"])
            git(repo, "clean", "-q", "-fdx")

        def apply(patch: str, what: str) -> bool:
            if not patch.strip():
                return True
            proc = subprocess.run(["git", "apply", "--whitespace=nowarn", "-"], cwd=repo, env=git_env(),
                                  input=patch, text=True, capture_output=True)
            if proc.returncode != 0:
                report.problems.append(f"{what} does not apply: {proc.stderr.strip()}")
            return proc.returncode == 0

        def evaluate(label: str) -> dict[str, str]:
            statuses, output, _code = run_tests(repo, task, test_files)
            missing = [t for t in f2p + p2p if t not in statuses]
            if missing:
                report.problems.append(f"{label}: tests not found in the run: {missing[:3]}")
            return statuses

        # Empty patch: the bug is there, and the regression tests already pass.
        fresh()
        if apply(task["test_patch"], "test_patch"):
            statuses = evaluate("empty patch")
            report.empty_failing = [t for t in f2p if statuses.get(t) != "PASSED"]
            if not report.empty_failing:
                report.problems.append("empty patch: every FAIL_TO_PASS test already passes")
            broken = [t for t in p2p if statuses.get(t) != "PASSED"]
            if broken:
                report.problems.append(f"empty patch: PASS_TO_PASS tests fail: {broken}")

        # Gold patch resolves.
        fresh()
        if apply(task["patch"], "patch") and apply(task["test_patch"], "test_patch"):
            statuses = evaluate("gold patch")
            failing = [t for t in f2p + p2p if statuses.get(t) != "PASSED"]
            if failing:
                report.problems.append(f"gold patch: tests still fail: {failing}")

        # Scripted replies: replay, then evaluate their diff like a prediction.
        for number, (_path, replies, expect) in enumerate(loaded):
            label = "" if number == 0 else f"{CLARIFY_REPLIES}: "
            fresh()
            result = replay(repo, task, replies)
            report.problems += [label + p for p in result.problems]
            git(repo, "add", "-A")
            model_patch = git(repo, "diff", "--cached", task["base_commit"])
            git(repo, "reset", "-q")
            if not model_patch.strip():
                report.problems.append(f"{label}replies leave an empty diff")
            # A diff identical to the gold patch resolves exactly when gold does: skip the second run.
            fresh()
            if model_patch == task["patch"]:
                report.replies_match_gold = report.replies_match_gold or number == 0
            elif apply(model_patch, f"{label}the replies' diff") and apply(task["test_patch"], "test_patch"):
                statuses = evaluate(f"{label}replies")
                failing = [t for t in f2p + p2p if statuses.get(t) != "PASSED"]
                if failing:
                    report.problems.append(f"{label}replies' diff: tests still fail: {failing}")
            report.problems += [label + p for p in _compare_expectations(result, expect, asks=number > 0)]


def _compare_expectations(result: ReplayResult, expect: dict, asks: bool = False) -> list[str]:
    """The replies' thoughts say which runs fail and what the answers said; hold them to it (indexes are
    1-based reply numbers). Replies that may ask must ask, and every answer needs an expectation."""
    problems = []
    want_answers = {int(n): needle for n, needle in expect.get("answers", {}).items()}
    if asks and not result.answers:
        problems.append("replies for --clarify hints never ask (ask_user)")
    if sorted(want_answers) != sorted(i + 1 for i in result.answers):
        problems.append(f"ask_user at replies {sorted(i + 1 for i in result.answers)}, answers expected at "
                        f"{sorted(want_answers)}")
    for number, needle in want_answers.items():
        answer = result.answers.get(number - 1)
        if (needle is None) != (answer is None) or (needle is not None and needle not in (answer or "")):
            problems.append(f"reply {number}: the hints answer {answer!r}, expected "
                            f"{'no answer' if needle is None else repr(needle)}")
    want_fail = sorted(expect.get("failing_runs", []))
    got_fail = [i + 1 for i in result.failing_runs]
    if got_fail != want_fail:
        problems.append(f"run_tests failing at replies {got_fail}, expected {want_fail}")
    want_lint = sorted(expect.get("lint_refusals", []))
    got_lint = [i + 1 for i in result.lint_refusals]
    if got_lint != want_lint:
        problems.append(f"lint guard refuses replies {got_lint}, expected {want_lint}")
    for number, needle in expect.get("bash_output", {}).items():
        output = result.bash_outputs.get(int(number) - 1)
        if output is None or needle not in output:
            problems.append(f"reply {number}: bash output lacks {needle!r}: {(output or '')[-200:]!r}")
    return problems


def scenario_folders(root: Path = SCENARIOS_DIR) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and (p / "task.json").exists())


def check_all(folders: list[Path], jobs: int = 2) -> list[ScenarioReport]:
    """Check scenarios concurrently (the work is subprocesses, so threads suffice), in folder order."""
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(check_scenario, folders))


def _print_table(reports: list[ScenarioReport]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="offline scenarios")
    for column in ("scenario", "status", "steps", "F2P failing (empty)", "replies' diff", "time"):
        table.add_column(column, justify="right" if column in ("steps", "time") else "left", no_wrap=True)
    for r in reports:
        table.add_row(r.instance_id, "[green]ok[/]" if not r.problems else f"[red]{len(r.problems)} problem(s)[/]",
                      str(r.steps), str(len(r.empty_failing)),
                      "same as gold" if r.replies_match_gold else "own diff", f"{r.seconds:.1f}s")
    console = Console()
    console.print(table)
    for r in reports:
        for problem in r.problems:
            console.print(f"[red]{r.instance_id}[/]: {problem}", markup=True, highlight=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify the offline scenarios with the real test runners.")
    parser.add_argument("ids", nargs="*", help="instance ids to check (default: all)")
    parser.add_argument("--jobs", "-j", type=int, default=2, help="scenarios checked at once (default 2)")
    args = parser.parse_args(argv)
    if shutil.which("node") is None:
        print("node is not installed; the JavaScript scenarios need Node 20+", file=sys.stderr)
        return 2
    folders = [f for f in scenario_folders() if not args.ids or f.name in args.ids]
    if not folders:
        print(f"no scenarios found under {SCENARIOS_DIR}", file=sys.stderr)
        return 2
    reports = check_all(folders, args.jobs)
    _print_table(reports)
    bad = sum(bool(r.problems) for r in reports)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
