"""One task end to end: repository at base_commit, environment, (agent,) evaluation, as a result dict."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..agent.paths import cache_dir
from ..agent.resume import ResumeError, Resumption, load_resumption
from ..errors import UserError
from ..tools.sandbox.base import SandboxUnavailable
from .batch import safe_name
from .config import TEST_TIMEOUT, HarnessConfig
from .envs import Env, EnvError, EnvManager
from .evaluate import SandboxFactory, default_sandbox_factory, evaluate
from .locks import write_atomic
from .report import instance_report
from .repos import RepoError, checkout, find_source, remove_checkout, unavailable
from .specs import load_spec_config, spec_for
from .tasks import Task

# (task, workspace root, its environment, task folder) -> agent outcome dict with at least "patch".
AgentFn = Callable[[Task, Path, Env, Path], dict[str, Any]]


def earlier_run(run_dir: Path, task: Task) -> Resumption | None:
    """The agent run a killed batch left for this task, to be resumed (or, if it had finished and the kill
    came while scoring, reused); None when there is none or it cannot go on."""
    if not (Path(run_dir) / "trajectory.jsonl").is_file():
        return None
    try:
        point = load_resumption(run_dir, allow_finished=True)
    except ResumeError:
        return None
    return point if point.header.task.get("instance_id") == task.instance_id else None


def set_aside(run_dir: Path) -> None:
    run_dir.rename(run_dir.with_name(f"{run_dir.name}.interrupted-{time.strftime('%Y%m%d-%H%M%S')}"))


def default_cache_dir() -> Path:
    return cache_dir()  # PATCHSMITH_CACHE_DIR, else the user cache dir


def mirror_paths(repos_dir: Path | None) -> list[Path]:
    """The repositories dir and where its links point: checkouts borrow objects from there."""
    if repos_dir is None:
        return []
    paths = {repos_dir.resolve()}
    for entry in repos_dir.iterdir():
        if entry.is_symlink():
            paths.add(entry.resolve())
    return sorted(paths)


@dataclass
class Harness:
    repos_dir: Path | None = None
    cache_dir: Path = field(default_factory=default_cache_dir)
    spec_config: dict[str, Any] = field(default_factory=dict)
    sandbox_factory: SandboxFactory | None = None
    timeout: float = TEST_TIMEOUT  # per task's test run
    allow_clone: bool = True
    keep_workspaces: bool = False
    workspaces_dir: Path | None = None  # default: <task folder>/workspace
    rebuild_failed: bool = False  # build again environments whose build failed in an earlier run
    env_images: bool = False  # environments as docker images (the docker sandbox), else host virtualenvs
    envs: EnvManager = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        self.cache_dir = Path(self.cache_dir)
        if self.envs is None:
            self.envs = EnvManager(self.cache_dir, rebuild_failed=self.rebuild_failed, images=self.env_images)
        if self.sandbox_factory is None:
            self.sandbox_factory = default_sandbox_factory()

    @classmethod
    def from_config(cls, config: HarnessConfig) -> Harness:
        """The harness a command asked for; a sandbox that cannot run here fails now, before any task."""
        from ..tools.sandbox import backend_status

        if config.sandbox != "auto" and (reason := backend_status(config.sandbox)) is not None:
            raise SandboxUnavailable(f"--sandbox {config.sandbox} cannot run here: {reason}",
                                     hint="choose another --sandbox (auto, local, bwrap, docker)")
        cache = (config.cache_dir or default_cache_dir()).resolve()
        cache.mkdir(parents=True, exist_ok=True)
        visible = [cache, *mirror_paths(config.repos_dir)]
        return cls(repos_dir=config.repos_dir, cache_dir=cache, spec_config=load_spec_config(config.spec_config),
                   sandbox_factory=default_sandbox_factory(config.sandbox, visible), timeout=config.timeout,
                   allow_clone=config.clone, keep_workspaces=config.keep_workspaces,
                   rebuild_failed=config.rebuild_failed_envs, env_images=config.sandbox == "docker")

    @staticmethod
    def network_note(config: HarnessConfig) -> str | None:
        """One line for the console when task tests will run unisolated *with* the host's network."""
        from ..tools.sandbox import resolve_kind
        from ..tools.sandbox.local import offline_status

        if resolve_kind(config.sandbox)[0] != "local" or (reason := offline_status()) is None:
            return None
        return (f"task tests run with the host's network (--sandbox local, no network namespace: {reason}); "
                "use --sandbox bwrap or docker to cut them off")

    def preflight(self, tasks: list[Task]) -> None:
        """Fail before setting up any task when a repository cannot be had here (offline, --no-clone)."""
        problems: dict[str, str] = {}
        counts: dict[str, int] = {}
        for task in tasks:
            where = str(task.bundle) if task.bundle is not None else task.repo
            counts[where] = counts.get(where, 0) + 1
            if where not in problems:
                problems[where] = unavailable(task, self.repos_dir, self.cache_dir, self.allow_clone)
        bad = [f"{why} ({counts[where]} task(s))" for where, why in problems.items() if why]
        if bad:
            more = f"; and {len(bad) - 1} more repositories" if len(bad) > 1 else ""
            raise UserError(bad[0] + more + "; leave those tasks out with --instances, or make the repositories "
                            "available")

    def prepare(self, task: Task, dest: Path) -> Env:
        """A checkout of the task at its base commit in `dest`, its environment built (or reused) and laid in:
        what `process` does before the agent, for an attempt run on another machine. Raises RepoError or
        EnvError."""
        spec = spec_for(task, self.spec_config)
        source = find_source(task, self.repos_dir, self.cache_dir, self.allow_clone)
        env = self.envs.get(task, spec, source)
        checkout(source, task.base_commit, dest)
        env.prepare_workspace(dest)
        return env

    # Over 60 lines on purpose: one task's stages (repository, environment, agent, evaluation) in order, each
    # timed and each failure recorded in the same result through `done`.
    def process(self, task: Task, task_dir: Path, *, patch: str | None = None, model_name: str = "",
                agent: AgentFn | None = None) -> dict[str, Any]:
        """Evaluate `patch` (eval), or run `agent` to get one and evaluate it (run)."""
        start = time.monotonic()
        timing: dict[str, float] = {}
        result: dict[str, Any] = {"instance_id": task.instance_id, "repo": task.repo, "created_at": task.created_at,
                                  "status": "error", "error_kind": "",
                                  "resolved": False, "reason": "", "model_name_or_path": model_name,
                                  "model_patch": patch or "", "evaluation": None, "agent": None, "env": None,
                                  "timing": timing}

        def done(status: str, reason: str = "", kind: str = "") -> dict[str, Any]:
            result["status"], result["reason"] = status, reason
            result["error_kind"] = kind if status == "error" else ""
            timing["total_s"] = time.monotonic() - start
            official = instance_report(result)
            if official is not None:  # beside ours, for tools made for the official harness
                write_atomic(task_dir / "report.json", json.dumps(official, indent=4))
            return result

        (task_dir / "report.json").unlink(missing_ok=True)  # an earlier attempt's, in a retried task

        spec = spec_for(task, self.spec_config)
        # safe_name: an id is not a path (`../x` must not leave the folder, `x/1` must not nest).
        workspace = (self.workspaces_dir / safe_name(task.instance_id) if self.workspaces_dir
                     else task_dir / "workspace")
        try:
            t0 = time.monotonic()
            source = find_source(task, self.repos_dir, self.cache_dir, self.allow_clone)
            t1 = time.monotonic()
            try:
                env = self.envs.get(task, spec, source)
            except EnvError as exc:
                result["env"] = {"error": str(exc), "log": _keep_log(exc.log, task_dir)}
                return done("error", f"environment build failed: {exc}", "environment")
            result["env"] = {"key": env.key, "reused": env.reused, "build_s": round(env.build_s, 2),
                             **({"image": env.image, "image_id": env.image_id} if env.image else {})}
            timing["env_s"] = time.monotonic() - t1
            t2 = time.monotonic()
            checkout(source, task.base_commit, workspace)
            env.prepare_workspace(workspace)
            timing["checkout_s"] = (time.monotonic() - t2) + (t1 - t0)
        except RepoError as exc:
            return done("error", str(exc), "repository")
        try:
            if agent is not None:
                earlier = task_dir / "agent"
                if earlier.exists() and earlier_run(earlier, task) is None:
                    # What a killed run left cannot be resumed (no header, another task): keep it aside.
                    set_aside(earlier)
                t3 = time.monotonic()
                try:
                    outcome = agent(task, workspace, env, task_dir)
                except Exception as exc:  # an agent crash is this task's result, not the batch's end
                    timing["agent_s"] = time.monotonic() - t3
                    return done("error", f"agent crashed: {type(exc).__name__}: {exc}", "agent")
                timing["agent_s"] = time.monotonic() - t3
                result["agent"] = {k: v for k, v in outcome.items() if k != "patch"}
                patch = outcome.get("patch") or ""
                result["model_patch"] = patch
                # Score from a clean tree at base_commit, exactly as a third party would.
                checkout(source, task.base_commit, workspace)
                env.prepare_workspace(workspace)
            evaluation = evaluate(task, patch or "", workspace, env, spec, sandbox_factory=self.sandbox_factory,
                                  timeout=self.timeout, log_path=task_dir / "eval.log")
            if agent is not None and (result["agent"] or {}).get("attempts"):
                self._score_attempts(task, result["agent"], patch or "", evaluation.resolved, source, workspace,
                                     env, spec, task_dir)
        except RepoError as exc:
            return done("error", str(exc), "repository")
        finally:
            if not self.keep_workspaces:
                remove_checkout(workspace)
        result["evaluation"] = evaluation.to_dict()
        result["resolved"] = evaluation.resolved
        timing["eval_s"] = evaluation.timing.get("total_s", 0.0)
        timing["tests_s"] = evaluation.timing.get("tests_s", 0.0)
        return done(evaluation.status, evaluation.reason, evaluation.error_kind)

    def _score_attempts(self, task: Task, agent: dict[str, Any], final: str, final_resolved: bool, source: Any,
                        workspace: Path, env: Env, spec: Any, task_dir: Path) -> None:
        """Score every attempt's patch too (after the strategy chose: nothing flows back), for pass@k and
        the oracle (did any attempt resolve). The same patch is scored once."""
        t0 = time.monotonic()
        scored: dict[str, bool] = {final: final_resolved}
        for row in agent["attempts"]:
            patch = row.pop("patch", "") or ""
            if patch not in scored:
                if not patch.strip():
                    scored[patch] = False
                else:
                    checkout(source, task.base_commit, workspace)
                    env.prepare_workspace(workspace)
                    ev = evaluate(task, patch, workspace, env, spec, sandbox_factory=self.sandbox_factory,
                                  timeout=self.timeout, log_path=task_dir / f"eval.attempt-{row['number']}.log")
                    scored[patch] = ev.resolved
            row["resolved"] = scored[patch]
        agent["oracle"] = any(r["resolved"] for r in agent["attempts"])
        agent["attempt_scoring_s"] = time.monotonic() - t0  # the scorer's extra work, not the strategy's


def _keep_log(log: Path | None, task_dir: Path) -> str | None:
    """The whole build log, copied beside the task's other records (the cached one is replaced on a rebuild)."""
    if log is None or not Path(log).is_file():
        return None
    kept = Path(task_dir) / "build.log"
    kept.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(log, kept)
    return str(kept)
