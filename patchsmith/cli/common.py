"""Options shared by the commands that run an agent (fix, replay, run)."""

from __future__ import annotations

import argparse
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import ValidationError

from ..agent.config import RunConfig
from ..agent.paths import data_dir
from ..errors import UserError
from ..tools.git import GitError, repo_root
from ..tools.seed import SeededWorkspace, remove_worktree, seed_worktree


def add_model_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("model")
    g.add_argument("--model", default=None,
                   help="NAME of an OpenAI-compatible model, scripted:FILE or replay:TRAJECTORY")
    g.add_argument("--base-url", help="OpenAI-compatible endpoint (default: $OPENAI_BASE_URL or OpenAI)")
    g.add_argument("--api-key", help="API key (default: $OPENAI_API_KEY)")
    g.add_argument("--text-mode", action="store_true", help="the endpoint has no tool calling: parse actions from text")
    g.add_argument("--temperature", type=float, default=0.0)
    g.add_argument("--retries", type=int, default=5, help="retries on rate limits and server errors (default 5)")
    g.add_argument("--request-timeout", type=float, default=RunConfig.model_fields["request_timeout"].default,
                   help=RunConfig.model_fields["request_timeout"].description)
    b = p.add_argument_group("budgets")
    b.add_argument("--max-steps", type=int, default=50)
    b.add_argument("--max-tokens", type=int, help="stop after this many prompt+completion tokens")
    b.add_argument("--max-cost", type=float, help="stop after this many dollars")
    b.add_argument("--max-time", type=float, help="stop after this many seconds of wall time")
    b.add_argument("--context-budget", type=int, default=60_000, help="tokens of history before condensing")
    b.add_argument("--command-timeout", type=float, default=120.0)


def config_from_args(args: argparse.Namespace, **overrides: object) -> RunConfig:
    values = {"model": args.model or "scripted", "base_url": args.base_url, "api_key": args.api_key,
              "text_mode": args.text_mode, "temperature": args.temperature,
              "max_retries": args.retries, "request_timeout": args.request_timeout, "max_steps": args.max_steps,
              "max_tokens": args.max_tokens, "max_cost": args.max_cost, "max_wall_s": args.max_time,
              "context_budget": args.context_budget, "command_timeout": args.command_timeout, **overrides}
    try:
        return RunConfig(**values)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise UserError(f"invalid option {first['loc'][0]}: {first['msg']}") from None


def read_issue(text: str | None, issue_file: str | None) -> str:
    if issue_file:
        path = Path(issue_file)
        if not path.is_file():
            raise UserError(f"issue file not found: {path}")
        text = path.read_text(encoding="utf-8", errors="replace")
    if not text or not text.strip():
        raise UserError('the issue text is empty; pass it as an argument (patchsmith fix "...") or with --issue-file')
    return text.strip()


def resolve_repo(path: str) -> Path:
    """The top of the Git working tree at `path`, or a one-line error saying what to pass instead."""
    given = Path(path).expanduser()
    if not given.exists():
        raise UserError(f"{given} does not exist; pass --repo with a git repository path")
    try:
        return repo_root(given)
    except GitError as exc:
        raise UserError(str(exc)) from None


@contextmanager
def agent_worktree(root: Path) -> Iterator[SeededWorkspace]:
    """A separate worktree of `root` seeded with its current state; removed afterwards, whatever happens."""
    worktree = data_dir() / "worktrees" / uuid.uuid4().hex[:12]
    try:
        seeded = seed_worktree(root, worktree)
    except (GitError, ValueError) as exc:
        raise UserError(f"cannot prepare a worktree of {root}: {exc}") from None
    try:
        yield seeded
    finally:
        remove_worktree(root, worktree)
        shutil.rmtree(worktree, ignore_errors=True)
