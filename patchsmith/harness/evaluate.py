"""Score one patch on one task, as the official SWE-bench harness does.

Apply the prediction, reset the test files to `base_commit` and apply `test_patch`, run the test files
`test_patch` touches (network-touching tests deselected), parse the runner's output per test id and
grade FAIL_TO_PASS and PASS_TO_PASS. Nothing here raises on a bad patch: it becomes the result.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ..tools.git import git_argv, git_env, run_git
from ..tools.sandbox.base import DEFAULT_OUTPUT_CAP, Sandbox
from ..tools.sandbox.local import LocalSandbox
from .config import TEST_OUTPUT_CAP, TEST_TIMEOUT
from .envs import Env
from .parsers import FAILED, PARSERS, PASSED, SKIPPED, lookup, passed
from .repos import absent_files
from .services import wrap
from .specs import Spec, directives_for, network_tests
from .tasks import Task, patch_files


class SandboxFactory(Protocol):
    """A sandbox whose writable area is `root`; `image` is the task's environment image (docker only)."""

    def __call__(self, root: Path, image: str | None = None, output_cap: int = DEFAULT_OUTPUT_CAP) -> Sandbox: ...


def default_sandbox_factory(kind: str = "local", ro_paths: list[Path] | None = None) -> SandboxFactory:
    """`make_sandbox(kind, root, network=False)`; local (also `auto` falling back to it) runs each command in a
    loopback-only network namespace. bwrap also gets `ro_paths` (the cached environments and the mirrors a
    workspace borrows objects from), which it would otherwise hide with the home directory.
    docker gets none: the environment is in the task's image, so only the workspace (and the git objects
    it borrows) is mounted."""
    try:
        from ..tools.sandbox import make_sandbox, resolve_kind
    except ImportError:  # the sandbox backends are not installed: plain subprocesses
        make_sandbox = resolve_kind = None

    def factory(root: Path, image: str | None = None, output_cap: int = DEFAULT_OUTPUT_CAP) -> Sandbox:
        if make_sandbox is None or resolve_kind(kind)[0] == "local":
            # a task's tests reach nothing but loopback
            return LocalSandbox(root, offline=True, output_cap=output_cap)
        if ro_paths and resolve_kind(kind)[0] == "bwrap":
            from ..tools.sandbox.bwrap import BwrapSandbox

            return BwrapSandbox(root, network=False, ro_paths=[p for p in ro_paths if p.exists()],
                                output_cap=output_cap)
        if kind == "docker":
            return make_sandbox(kind, root, network=False, image=image, output_cap=output_cap)
        return make_sandbox(kind, root, network=False, output_cap=output_cap)

    return factory


@dataclass
class Applied:
    ok: bool
    method: str = ""
    reason: str = ""


@dataclass
class GroupResult:
    success: list[str] = field(default_factory=list)
    failure: list[str] = field(default_factory=list)
    deselected: list[str] = field(default_factory=list)  # cannot run here (network); not graded
    skipped: list[str] = field(default_factory=list)  # skipped by the runner (also in success/failure)


@dataclass
class Evaluation:
    instance_id: str
    status: str  # resolved | unresolved | patch_failed | not_gradable | error
    resolved: bool = False
    error_kind: str = ""  # with status error: environment | timeout | test_patch | repository
    empty_patch: bool = False
    reason: str = ""
    patch_applied: bool = False
    apply_method: str = ""
    fail_to_pass: GroupResult = field(default_factory=GroupResult)
    pass_to_pass: GroupResult = field(default_factory=GroupResult)
    test_command: str = ""
    sandbox: str = ""  # where the tests ran (bwrap: no network)
    tests_exit_code: int | None = None
    timed_out: bool = False
    no_results: bool = False  # the runner's output named none of the graded tests
    timing: dict[str, float] = field(default_factory=dict)  # apply_s, tests_s, parse_s, harness_s, total_s

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _reset(root: Path) -> None:
    run_git(root, "checkout", "--quiet", "--force", "HEAD", "--", ".", check=False)
    run_git(root, "clean", "-fdq", check=False)  # not -x: keep build outputs the environment copied in


def apply_patch(root: Path, patch: str) -> Applied:
    """`git apply`, then `git apply --3way`, then `patch --fuzz`: the official harness's fallbacks."""
    if not patch.endswith("\n"):
        patch += "\n"
    attempts = [("git apply", git_argv("apply", "--verbose", "--whitespace=nowarn", "-")),
                ("git apply --3way", git_argv("apply", "--verbose", "--3way", "--whitespace=nowarn", "-")),
                ("patch --fuzz=5", ["patch", "--batch", "--fuzz=5", "-p1", "--no-backup-if-mismatch"])]
    reasons = []
    for name, argv in attempts:
        try:
            proc = subprocess.run(argv, cwd=root, input=patch.encode(), capture_output=True, timeout=120, env=git_env(root))
        except (OSError, subprocess.TimeoutExpired) as exc:
            reasons.append(f"{name}: {exc}")
            continue
        if proc.returncode == 0:
            return Applied(True, name)
        text = (proc.stderr or proc.stdout).decode(errors="replace").strip().splitlines()
        errors = [line for line in text if "error" in line.lower() or "fail" in line.lower()] or text[-2:]
        reasons.append(f"{name}: {' / '.join(errors[:2])[:300]}")
        _reset(root)
    return Applied(False, "", "; ".join(reasons))


def _grade(ids: list[str], status: dict[str, str], deselected: tuple[str, ...], maintained: bool) -> GroupResult:
    """As the official grading: a FAIL_TO_PASS test must pass (absent, failed, errored or skipped: failure);
    a PASS_TO_PASS test must pass or be skipped (`maintained`)."""
    group = GroupResult()
    for test_id in ids:
        if deselected and test_id.startswith(deselected):
            group.deselected.append(test_id)
            continue
        state = lookup(test_id, status)
        if state == SKIPPED:
            group.skipped.append(test_id)
        if passed(state) or (maintained and state == SKIPPED):
            group.success.append(test_id)
        else:
            group.failure.append(test_id)
    return group


def deselection(spec: Spec, root: Path, test_files: list[str]) -> list[str]:
    ids = list(spec.deselect)
    if spec.network_source:
        for rel in test_files:
            path = root / rel
            if rel.endswith(".py") and path.is_file():
                ids += network_tests(path.read_text(errors="replace"), spec.network_source, rel)
    return list(dict.fromkeys(ids))


# Over 60 lines on purpose: the official harness's scoring steps in their order (apply, reset test files,
# apply test_patch, run, parse, grade), each returning through `finish`; split, the order would be harder to check.
def evaluate(task: Task, model_patch: str, root: Path, env: Env, spec: Spec, *,
             sandbox_factory: SandboxFactory | None = None, timeout: float = TEST_TIMEOUT,
             log_path: Path | None = None) -> Evaluation:
    """Score `model_patch` in `root`, a fresh checkout of `task.base_commit` (changed in place)."""
    start = time.monotonic()
    result = Evaluation(instance_id=task.instance_id, status="error", empty_patch=not model_patch.strip())
    log_lines: list[str] = []

    def finish(status: str, reason: str = "") -> Evaluation:
        result.status, result.reason = status, reason
        result.timing["total_s"] = time.monotonic() - start
        result.timing["harness_s"] = result.timing["total_s"] - result.timing.get("tests_s", 0.0)
        if log_path is not None:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            log_path.write_text("\n".join(log_lines + [f"status: {status} {reason}"]) + "\n", encoding="utf-8")
        return result

    t0 = time.monotonic()
    if not result.empty_patch:
        applied = apply_patch(root, model_patch)
        log_lines.append(f"model patch: {'applied with ' + applied.method if applied.ok else applied.reason}")
        if not applied.ok:
            result.timing["apply_s"] = time.monotonic() - t0
            return finish("patch_failed", f"patch failed to apply: {applied.reason}")
        result.patch_applied, result.apply_method = True, applied.method
    # The official harness resets the files test_patch touches before applying it, so a prediction that
    # edited those tests cannot change what is run.
    test_files = patch_files(task.test_patch)
    at_base = [f for f in test_files
               if run_git(root, "cat-file", "-e", f"{task.base_commit}:{f}", check=False).returncode == 0]
    if at_base:
        run_git(root, "checkout", "--quiet", task.base_commit, "--", *at_base, check=False)
    if task.test_patch.strip():
        applied = apply_patch(root, task.test_patch) if not result.patch_applied else _apply_keep(root, task.test_patch)
        if not applied.ok:
            result.timing["apply_s"] = time.monotonic() - t0
            result.error_kind = "test_patch"
            return finish("error", f"test_patch failed to apply: {applied.reason}")
    result.timing["apply_s"] = time.monotonic() - t0

    desel = deselection(spec, root, test_files)
    prefixes = tuple(desel)
    cannot_run = [t for t in task.fail_to_pass if prefixes and t.startswith(prefixes)]
    if cannot_run:
        # A required test that cannot run here says nothing either way: neither resolved nor unresolved.
        result.fail_to_pass.deselected = cannot_run
        return finish("not_gradable", f"{len(cannot_run)} of {len(task.fail_to_pass)} FAIL_TO_PASS tests cannot "
                                      f"run here (network): {_names(cannot_run)}")
    result.test_command = command = test_command(spec, test_files, desel)
    log_lines.append(f"$ {command}")

    sandbox = (sandbox_factory or default_sandbox_factory())(root, image=env.sandbox_image,
                                                             output_cap=TEST_OUTPUT_CAP)
    result.sandbox = sandbox.name
    try:
        t1 = time.monotonic()
        wrapped, service_env = wrap(command, env.services)
        run = sandbox.exec(wrapped, cwd=root, timeout=timeout, env={**env.variables(root), **service_env})
        result.timing["tests_s"] = time.monotonic() - t1
    finally:
        sandbox.close()
    log_lines.append(run.output)
    result.tests_exit_code, result.timed_out = run.exit_code, run.timed_out
    if run.timed_out:
        result.error_kind = "timeout"
        return finish("error", f"tests timed out after {timeout:g}s")

    t2 = time.monotonic()
    if spec.parser == "exitcode":
        verdict = PASSED if run.exit_code == 0 else FAILED
        status = {t: verdict for t in task.fail_to_pass + task.pass_to_pass}
    else:
        status = PARSERS[spec.parser](run.output)
    result.fail_to_pass = _grade(task.fail_to_pass, status, prefixes, maintained=False)
    result.pass_to_pass = _grade(task.pass_to_pass, status, prefixes, maintained=True)
    result.timing["parse_s"] = time.monotonic() - t2

    result.resolved = not result.fail_to_pass.failure and not result.pass_to_pass.failure
    lacking = [] if result.resolved else lacking_files(run.output, root)
    if lacking:  # what failed may be the copy's doing, not the code's: no verdict either way
        result.resolved, result.error_kind = False, "repository"
        return finish("error", f"the repository copy lacks {len(lacking)} file(s) of the commit that the run "
                               f"names ({', '.join(lacking[:3])}): its mirror left out its largest files; "
                               "point --repos-dir at a full clone")
    graded = [t for t in task.fail_to_pass + task.pass_to_pass if not (prefixes and t.startswith(prefixes))]
    if graded and all(lookup(t, status) is None for t in graded):
        fault = environment_fault(run.output, run.exit_code, root, _patch_words(model_patch, task.patch))
        if fault:
            result.error_kind = "environment"
            return finish("error", f"environment error, no test ran: {fault}")
        crash = crash_in_workspace(run.output, root)
        if crash:  # the tests ran; the code under test (pytest itself, a conftest) lost their outcomes
            return finish("unresolved", f"the repository's code crashed the test runner ({crash}): the graded tests "
                                        "report no outcome, so they fail")
        tail = " | ".join(run.output.strip().splitlines()[-3:])[-300:]
        result.no_results = True
        return finish("unresolved", f"no test results in the output (exit {run.exit_code}): {tail}")
    if result.resolved:
        return finish("resolved")
    return finish("unresolved", failing_summary(result))


def test_command(spec: Spec, test_files: list[str], desel: list[str]) -> str:
    named = " ".join(shlex.quote(d) for d in directives_for(spec, test_files))
    if "{tests}" in spec.test_cmd:  # the spec places the test files itself
        command = spec.test_cmd.replace("{tests}", named).rstrip()
    else:
        command = f"{spec.test_cmd} {named}".rstrip()
    if desel and spec.parser in ("pytest", "pytest-options", "matplotlib"):
        command += " " + " ".join(f"--deselect {shlex.quote(d)}" for d in desel)
    if spec.eval_commands:  # e.g. exports the tests need, run in the same shell first
        command = "; ".join([*spec.eval_commands, command])
    return command


def _names(ids: list[str], most: int = 3) -> str:
    shown = ", ".join(i.rsplit("::", 1)[-1] for i in ids[:most])
    return shown + (f" (+{len(ids) - most} more)" if len(ids) > most else "")


def failing_summary(result: Evaluation) -> str:
    """One line: which target tests fail."""
    parts = [f"{len(group.failure)} of {len(group.failure) + len(group.success)} {label} fail: "
             f"{_names(group.failure)}"
             for label, group in (("FAIL_TO_PASS", result.fail_to_pass), ("PASS_TO_PASS", result.pass_to_pass))
             if group.failure]
    return "; ".join(parts) or "tests fail"


_MISSING_MODULE = re.compile(r"No module named '?([A-Za-z_][\w.]*)'?")
_CANNOT_IMPORT = re.compile(r"cannot import name '(\w+)' from '([\w.]+)' \(([^)]+)\)")


def _patch_words(model_patch: str, reference_patch: str) -> set[str]:
    """Names the prediction's added lines use, and the paths the reference fix creates: a missing module or
    name among them is the patch's doing (or the fix's job), not the environment's."""
    added = "\n".join(line[1:] for line in model_patch.splitlines() if line.startswith("+"))
    words = set(re.findall(r"[A-Za-z_]\w*", added))
    for path in patch_files(reference_patch):
        words.update(Path(path).with_suffix("").parts)
    return words


def environment_fault(output: str, exit_code: int | None, root: Path, blame: set[str] | None = None) -> str:
    """Why no test ran, when the cause lies outside the repository's code (a module the environment lacks,
    a dependency of the wrong version, a runner that cannot start); "" when it may be the code's own.
    Names in `blame` (what the patch under test uses) never count as the environment's fault."""
    blame = blame or set()
    if exit_code in (126, 127):
        return "the test command was not found: " + _last_line(output)
    for match in _MISSING_MODULE.finditer(output):
        top = match.group(1).split(".")[0]
        if top in blame:
            continue
        if not any((root / p).exists() for p in (top, f"{top}.py", f"src/{top}", f"src/{top}.py")):
            return f"No module named '{match.group(1)}' (not part of the repository)"
    for match in _CANNOT_IMPORT.finditer(output):
        where = Path(match.group(3))
        if match.group(1) in blame:
            continue
        if where.is_absolute() and not where.resolve().is_relative_to(Path(root).resolve()):
            return f"cannot import name '{match.group(1)}' from '{match.group(2)}' ({where}: outside the workspace)"
    if exit_code in (3, 4) and "test session starts" not in output:
        return "the test runner could not start: " + _last_line(output)
    return ""


def lacking_files(output: str, root: Path) -> list[str]:
    """Files the checkout left out (a partial mirror lacked their blobs) whose names the test output shows:
    astropy's IERS table, absent, made its import try a download and no test ran."""
    return [rel for rel in absent_files(root) if Path(rel).name in output]


_INTERNAL_FRAME = re.compile(r'^INTERNALERROR>\s+File "([^"]+)", line (\d+)', re.M)


def crash_in_workspace(output: str, root: Path) -> str:
    """`path:line` of a pytest INTERNALERROR whose innermost frame is the workspace's own code (the official
    grading reads no outcome then, and fails the tests); "" when there is none or it is outside."""
    frames = _INTERNAL_FRAME.findall(output)
    if "test session starts" not in output or not frames:
        return ""
    where, line = Path(frames[-1][0]), frames[-1][1]
    top = Path(root).resolve()
    if not where.is_absolute() or not where.resolve().is_relative_to(top):
        return ""
    return f"INTERNALERROR at {where.resolve().relative_to(top)}:{line}"


def _last_line(output: str) -> str:
    lines = [line for line in output.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else "(no output)"


def _apply_keep(root: Path, patch: str) -> Applied:
    """Apply on top of earlier changes: fallbacks must not reset the prediction already applied."""
    if not patch.endswith("\n"):
        patch += "\n"
    reasons = []
    for name, argv in (("git apply", git_argv("apply", "--verbose", "--whitespace=nowarn", "-")),
                       ("patch --fuzz=5", ["patch", "--batch", "--fuzz=5", "-p1", "--no-backup-if-mismatch",
                                           "--dry-run"])):
        proc = subprocess.run(argv, cwd=root, input=patch.encode(), capture_output=True, timeout=120, env=git_env(root))
        if proc.returncode == 0:
            if name.startswith("patch"):
                argv = argv[:-1]  # the dry run passed: apply for real
                proc = subprocess.run(argv, cwd=root, input=patch.encode(), capture_output=True, timeout=120, env=git_env(root))
                if proc.returncode != 0:
                    break
            return Applied(True, name)
        reasons.append(f"{name}: {(proc.stderr or proc.stdout).decode(errors='replace').strip()[:200]}")
    return Applied(False, "", "; ".join(reasons))
