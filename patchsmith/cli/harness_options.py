"""Options and setup shared by `patchsmith run` and `patchsmith eval`."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import UserError
from ..harness.evaluate import default_sandbox_factory
from ..harness.pipeline import Harness, default_cache_dir
from ..harness.specs import load_spec_config


def add_harness_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--instances", nargs="+", metavar="ID", help="only these instance ids")
    parser.add_argument("--workers", type=int, default=1, help="tasks run in parallel (default 1)")
    parser.add_argument("--output", type=Path, help="output folder; rerun with the same one to resume")
    parser.add_argument("--repos-dir", type=Path,
                        help="folder of local clones or bare mirrors named owner__name, owner/name or name")
    parser.add_argument("--spec-config", type=Path,
                        help='JSON file {"owner/name": {"install": ..., "test_cmd": ...}} overriding the spec table')
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds for one task's test run")
    parser.add_argument("--sandbox", default="auto",
                        help="where tests (and the agent's commands) run: auto (bwrap, no network, when it works "
                             "here; else local), bwrap, docker (one container per task), local")
    parser.add_argument("--cache-dir", type=Path, default=None, help="where environments and clones are cached")
    parser.add_argument("--no-clone", action="store_true", help="never clone from the task's repo URL")
    parser.add_argument("--keep-workspaces", action="store_true", help="keep each task's checkout")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--retry-errors", action="store_true",
                        help="when resuming, run again the tasks that ended in an error")
    parser.add_argument("--resume-anyway", action="store_true",
                        help="rerunning into an --output made with another model, strategy, sandbox or other "
                             "tasks: keep its finished results anyway (refused otherwise)")
    parser.add_argument("--rebuild-failed-envs", action="store_true",
                        help="build again the environments whose build failed in an earlier run (remembered "
                             "by their key, otherwise not retried)")


def harness_from_args(args: argparse.Namespace) -> Harness:
    if args.workers < 1:
        raise UserError("--workers must be at least 1")
    if args.timeout <= 0:
        raise UserError("--timeout must be positive")
    if args.repos_dir is not None and not args.repos_dir.is_dir():
        raise UserError(f"--repos-dir {args.repos_dir} is not a folder")
    if args.repos_dir is not None:
        args.repos_dir = args.repos_dir.resolve()  # git runs with -C elsewhere: no relative paths
    cache_dir = (args.cache_dir or default_cache_dir()).resolve()
    cache_dir.mkdir(parents=True, exist_ok=True)
    visible = [cache_dir, *_mirror_paths(args.repos_dir)]
    return Harness(repos_dir=args.repos_dir, cache_dir=cache_dir,
                   spec_config=load_spec_config(args.spec_config),
                   sandbox_factory=default_sandbox_factory(args.sandbox, visible), timeout=args.timeout,
                   allow_clone=not args.no_clone, keep_workspaces=args.keep_workspaces,
                   rebuild_failed=args.rebuild_failed_envs)


def _mirror_paths(repos_dir: Path | None) -> list[Path]:
    """The repositories dir and where its links point: checkouts borrow objects from there."""
    if repos_dir is None:
        return []
    paths = {repos_dir.resolve()}
    for entry in repos_dir.iterdir():
        if entry.is_symlink():
            paths.add(entry.resolve())
    return sorted(paths)
