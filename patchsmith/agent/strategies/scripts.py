"""Scripted replies per strategy, role and attempt, for offline scenarios (`--model scripted`).

A scenario folder may hold `replies/`, looked up most specific first:

    replies/<strategy>/<role>-<n>.jsonl   replies/<strategy>/<role>.jsonl
    replies/<role>-<n>.jsonl              replies/<role>.jsonl
    replies.jsonl                         (role `react` only: the scenario's default run)

With `run --clarify hints`, the same names under `replies-clarify-hints/` come first: replies that may ask
(`ask_user`), kept apart because the standard setting offers no one to ask.

Roles: `react` (an agent attempt), `direct` (one edit completion), `critique`, `revise`, `lesson`.
`<strategy>` is the name as given on the command line (`best-of-3`, `reflexion`). Scripted replies show
the machinery working; they say nothing about which method is better.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ...errors import UserError


@dataclass(frozen=True)
class ScriptBook:
    folder: Path  # the scenario folder
    strategy: str
    clarify: str = "ask"  # RunConfig.clarify: "hints" looks in replies-clarify-hints/ first

    def candidates(self, role: str, attempt: int) -> list[Path]:
        folders = [self.folder / "replies"]
        if self.clarify == "hints":
            folders.insert(0, self.folder / "replies-clarify-hints")
        names = [path for replies in folders for path in (
            replies / self.strategy / f"{role}-{attempt}.jsonl", replies / self.strategy / f"{role}.jsonl",
            replies / f"{role}-{attempt}.jsonl", replies / f"{role}.jsonl")]
        if role == "react":
            names.append(self.folder / "replies.jsonl")
        return names

    def lookup(self, role: str, attempt: int) -> Path:
        for path in self.candidates(role, attempt):
            if path.is_file():
                return path
        raise UserError(f"{self.folder.name}: no scripted replies for {role} (attempt {attempt}) of "
                        f"{self.strategy}; add replies/{role}-{attempt}.jsonl")
