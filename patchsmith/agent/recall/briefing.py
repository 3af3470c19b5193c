"""What a run is told before it starts, and what it leaves behind when it ends.

Before: the repository's instruction files (the root ones into the task prompt; a nested one once the agent
works under it) and the memory items recalled for the issue. After: the facts and the lesson of the run,
stored for later tasks. Both are switches of the run's configuration, so their effect can be measured.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..trajectory import Step
from .instructions import InstructionFile, discover, for_path, render_files
from .learn import learn
from .repo import default_store_path, repo_key
from .retrieve import recall, render_recalled
from .store import MemoryItem, MemoryStore

log = logging.getLogger(__name__)
# Runs cut short from outside teach nothing about the task: no lesson from a crash, a stop or a dead endpoint.
NOT_LEARNED = {"error", "stopped_by_user", "model_error", "script_exhausted"}


@dataclass
class MemorySettings:
    instructions: bool = True
    instructions_budget: int = 2_000
    recall: bool = True
    learn: bool = True
    budget: int = 600
    store: Path | None = None
    created_at: float | None = None  # the task's creation time: recall only what is older, learn at this time


@dataclass
class Briefing:
    instructions: str = ""
    instruction_paths: list[str] = field(default_factory=list)
    nested: list[InstructionFile] = field(default_factory=list)
    recalled: list[str] = field(default_factory=list)
    recalled_ids: list[int] = field(default_factory=list)
    shown_nested: set[str] = field(default_factory=set)

    @classmethod
    def from_events(cls, events: list[Any], nested: list[InstructionFile]) -> Briefing:
        """The briefing a run started with, as its trajectory recorded it (a resumed run is told the same)."""
        briefing = cls(nested=nested)
        for ev in events:
            if ev.kind == "instructions" and ev.data.get("nested"):
                briefing.shown_nested.update(ev.data.get("paths") or [])
            elif ev.kind == "instructions":
                briefing.instructions = str(ev.data.get("text") or "")
                briefing.instruction_paths = list(ev.data.get("paths") or [])
            elif ev.kind == "recalled":
                briefing.recalled = [str(x) for x in ev.data.get("lines") or []]
                briefing.recalled_ids = list(ev.data.get("ids") or [])
        return briefing

    def newly_applicable(self, paths: list[str]) -> list[InstructionFile]:
        """Nested instruction files that govern one of `paths` and were not shown yet (each shown once)."""
        new = []
        for path in paths:
            for f in for_path(self.nested, path):
                if f.path not in self.shown_nested:
                    self.shown_nested.add(f.path)
                    new.append(f)
        return new


def brief(root: Path, issue: str, settings: MemorySettings) -> Briefing:
    """Never fatal: a run without its briefing is still a run."""
    briefing = Briefing()
    try:
        if settings.instructions:
            files = discover(Path(root))
            briefing.instructions, briefing.instruction_paths = render_files(
                [f for f in files if not f.scope], settings.instructions_budget)
            briefing.nested = [f for f in files if f.scope]
        if settings.recall and (key := repo_key(Path(root))):
            store = MemoryStore(settings.store or default_store_path())
            got = recall(store, key, issue, budget=settings.budget, before=settings.created_at)
            briefing.recalled = render_recalled(got, now=settings.created_at)
            briefing.recalled_ids = [r.item.id for r in got if r.item.id is not None]
    except Exception as exc:  # noqa: BLE001 - instructions and memory are help, never a reason to fail
        log.warning("memory/instructions skipped: %s", exc)
    return briefing


def checks_passed(steps: list[Step]) -> bool | None:
    """The run's own verdict: its last test run (nothing hidden: the agent saw this result itself)."""
    for step in reversed(steps):
        if step.action and step.action.tool == "run_tests":
            counts = (step.observation.data or {}).get("counts") or {}
            if counts:
                return not (counts.get("failed") or counts.get("error")) and bool(counts.get("passed"))
    return None


def remember(root: Path, issue: str, steps: list[Step], patch: str, exit_reason: str, origin: str,
             settings: MemorySettings, secrets: list[str], reflection: str | None = None) -> int:
    """Store what the run taught; returns how many new items. Never fatal."""
    if not settings.learn or exit_reason in NOT_LEARNED:
        return 0
    try:
        key = repo_key(Path(root))
        if key is None:
            return 0
        patch = patch.encode("utf-8", "surrogateescape").decode("utf-8", "replace")  # SQLite stores text
        got = learn(issue, steps, patch, exit_reason, checks_passed=checks_passed(steps), reflection=reflection)
        at = settings.created_at if settings.created_at is not None else time.time()
        items = [MemoryItem(repo=key, kind="fact", text=t, origin=origin, files=f, created_at=at)
                 for t, f in got.facts]
        if got.lesson:
            items.append(MemoryItem(repo=key, kind="lesson", text=got.lesson[0], origin=origin,
                                    files=got.lesson[1], created_at=at))
        store = MemoryStore(settings.store or default_store_path())
        return sum(1 for new in store.add_many(items, secrets) if new is not None)
    except Exception as exc:  # noqa: BLE001 - a run's result must not be lost to its memory
        log.warning("could not store what the run learned: %s", exc)
        return 0
