"""The chat history of a run, condensed when it outgrows the context budget.

Old turns first lose their observations (replaced by a one-line summary), then are dropped into a
single summary block. The last few turns always stay whole. Token counts are kept per turn, so
building the prompt costs the same at step 500 as at step 10 once condensation has kicked in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .models.base import estimate_messages_tokens
from .prompting import render

MAX_SUMMARY_LINES = 40


@dataclass
class Turn:
    step: int
    messages: list[dict[str, Any]]  # the assistant message and its observation message(s)
    summary: str  # one line: what was done and what came of it
    tokens: int = 0
    condensed: bool = False

    def __post_init__(self) -> None:
        self.tokens = estimate_messages_tokens(self.messages)

    def condense(self) -> None:
        if self.condensed:
            return
        short = []
        for m in self.messages:
            m = dict(m)
            if m["role"] in ("tool", "user"):
                m["content"] = f"[condensed] {self.summary}"
            elif m["role"] == "assistant" and isinstance(m.get("content"), str) and len(m["content"]) > 300:
                m["content"] = m["content"][:300] + " [...]"
            short.append(m)
        self.messages = short
        self.tokens = estimate_messages_tokens(short)
        self.condensed = True


@dataclass
class History:
    prefix: list[dict[str, Any]]  # system + task: never condensed
    budget: int  # tokens
    keep_recent: int = 4
    max_turns: int = 40  # older turns live on only as summary lines, so a prompt's size has a ceiling
    turns: list[Turn] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # summaries of turns no longer sent
    dropped_count: int = 0
    render: Callable[..., str] = render  # the run's templates (a prompts folder may override the built-in ones)
    _summary_cache: tuple[int, str] = (0, "")
    _prefix_tokens: int = 0
    _turn_tokens: int = 0

    def __post_init__(self) -> None:
        self._prefix_tokens = estimate_messages_tokens(self.prefix)

    @property
    def tokens(self) -> int:
        return self._prefix_tokens + self._turn_tokens + len(self.dropped) * 20

    def add(self, turn: Turn) -> bool:
        """Append a turn; returns True when this triggered a condensation."""
        self.turns.append(turn)
        self._turn_tokens += turn.tokens
        if len(self.turns) > self.max_turns:
            self._drop_oldest()
        if self.tokens > self.budget:
            self.condense(self.budget * 7 // 10)
            if self.tokens > self.budget:  # a small window: recent turns give way too, the latest stays whole
                self.condense(self.budget * 7 // 10, keep_recent=1)
            return True
        return False

    def add_message(self, step: int, message: dict[str, Any], summary: str) -> None:
        self.add(Turn(step=step, messages=[message], summary=summary))

    def condense(self, target: int, keep_recent: int | None = None) -> bool:
        """Shrink to `target` tokens if possible; False when nothing more can be condensed."""
        keep = self.keep_recent if keep_recent is None else keep_recent
        before = self.tokens
        cutoff = max(0, len(self.turns) - keep)
        for turn in self.turns[:cutoff]:
            if self.tokens <= target:
                break
            if not turn.condensed:
                self._turn_tokens -= turn.tokens
                turn.condense()
                self._turn_tokens += turn.tokens
        while self.tokens > target and len(self.turns) > keep:
            self._drop_oldest()
        return self.tokens < before

    def _drop_oldest(self) -> None:
        turn = self.turns.pop(0)
        self._turn_tokens -= turn.tokens
        self.dropped.append(f"step {turn.step}: {turn.summary}")
        self.dropped_count += 1
        del self.dropped[:-MAX_SUMMARY_LINES]  # only the latest lines are ever shown
        # Never leave a tool message whose assistant call was dropped: the API rejects it.
        while self.turns and self.turns[0].messages and self.turns[0].messages[0]["role"] == "tool":
            self._drop_oldest()

    def messages(self, tail: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
        out = list(self.prefix)
        if self.dropped:
            if self._summary_cache[0] != self.dropped_count:  # re-render only when something new was dropped
                self._summary_cache = (self.dropped_count,
                                       self.render("condensed", dropped=self.dropped_count, lines=self.dropped))
            out.append({"role": "user", "content": self._summary_cache[1]})
        for turn in self.turns:
            out.extend(turn.messages)
        if tail:
            out.extend(tail)
        return out


def context_budget(window: int, fixed: int = 0) -> int:
    """History tokens that fit a model's context window: room is left for the reply and for what every
    request carries besides the history (`fixed`: tool schemas), and our estimate (four characters a
    token) is trusted only to within a fifth."""
    reply = min(4096, window // 4)
    return max(256, int((window - reply - fixed) * 0.8))
