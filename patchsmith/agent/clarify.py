"""Who answers `ask_user`, and the questions of a task shared by all its attempts.

`run --clarify hints`: the model's questions answered from the task's `hints_text`, and nothing else.

The answerer is built from that one string, so no other field of the task (the gold patch, the tests) can
reach the model through it. The answer is the passages of the hints most relevant to the question by BM25,
or none at all when the hints are empty or share no term with the question.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

from .events import Answer, Asker, Question

PASSAGE_CHARS = 600  # a long paragraph is cut into pieces about this long, at sentence ends
TOP_PASSAGES = 2
ANSWER_CHARS = 1500


def passages(hints_text: str) -> list[str]:
    """Paragraphs of the hints (blank-line separated), long ones cut at sentence ends."""
    out: list[str] = []
    for para in re.split(r"\n\s*\n", hints_text or ""):
        para = " ".join(para.split())
        while len(para) > PASSAGE_CHARS:
            cut = para.rfind(". ", 0, PASSAGE_CHARS)
            cut = cut + 1 if cut > PASSAGE_CHARS // 3 else PASSAGE_CHARS
            out.append(para[:cut].strip())
            para = para[cut:].strip()
        if para:
            out.append(para)
    return out


def most_relevant(question: str, texts: list[str], top: int = TOP_PASSAGES) -> list[str]:
    """The `top` passages scoring above zero by BM25 against the question, in their original order."""
    if not texts or not question.strip():
        return []
    import bm25s  # ~1 s of imports that only clarification runs need

    docs = bm25s.tokenize(texts, stopwords="en", show_progress=False, return_ids=False)
    query = bm25s.tokenize([question], stopwords="en", show_progress=False, return_ids=False)[0]
    retriever = bm25s.BM25()
    retriever.index([d or ["_"] for d in docs], show_progress=False)
    terms = [t for t in query if t in retriever.vocab_dict]
    if not terms:
        return []
    scores = retriever.get_scores(terms)
    best = sorted((i for i in range(len(texts)) if scores[i] > 0), key=lambda i: -scores[i])[:top]
    return [texts[i] for i in sorted(best)]


@dataclass
class HintsAsker:
    """An `Asker` for evaluation runs: answers from the hints text it was given, or says there is none."""

    hints_text: str
    _passages: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self._passages = passages(self.hints_text)

    def ask(self, question: Question) -> Answer:
        query = " ".join([question.text, *question.choices])
        found = most_relevant(query, self._passages)
        if not found:
            return Answer(text=None, source="hints")
        return Answer(text="\n\n".join(found)[:ANSWER_CHARS], source="hints")


QUESTIONS_PER_TASK = 3  # shared by every attempt of a task: a person should not be asked a fourth time
SAME_QUESTION = 0.6  # word overlap (Jaccard) above which a question counts as one asked before


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9_]+", text.lower()) if len(w) > 2}


def same_question(a: str, b: str) -> bool:
    """Whether two questions ask the same thing: equal words, or mostly the same words."""
    wa, wb = _words(a), _words(b)
    if not wa or not wb:
        return " ".join(a.lower().split()) == " ".join(b.lower().split())
    return len(wa & wb) / len(wa | wb) >= SAME_QUESTION


@dataclass
class Asked:
    """A question one attempt put to the asker, and what came back."""

    question: str
    answer: str | None
    source: str
    attempt: int


@dataclass
class Clarifications:
    """One task's questions, shared by all its attempts (strategies run several): at most `budget` reach
    the asker, and a question asked before gets the earlier answer (or decline) instead of being asked
    again. Attempts may run in parallel (best-of-N); one question is put at a time."""

    asker: Asker | None
    budget: int = QUESTIONS_PER_TASK
    asked: list[Asked] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def for_attempt(self, attempt: int) -> AttemptAsker | None:
        """The asker an attempt's run uses; None when no one can answer (the tool is then not offered)."""
        return None if self.asker is None else AttemptAsker(self, attempt)

    def ask(self, question: Question, attempt: int) -> Answer:
        with self._lock:
            earlier = next((a for a in self.asked if same_question(a.question, question.text)), None)
            if earlier is not None:
                return Answer(text=earlier.answer, source="earlier", from_attempt=earlier.attempt,
                              origin=earlier.source)
            if self.asker is None or len(self.asked) >= self.budget:
                return Answer(text=None, source="limit")
            answer = self.asker.ask(question)
            text = answer.text.strip() if answer.text and answer.text.strip() else None
            self.asked.append(Asked(question.text, text, answer.source, attempt))
            return Answer(text=text, source=answer.source)

    def known(self) -> list[str]:
        """What earlier attempts were told, as notes for the next attempt's working memory."""
        with self._lock:
            return [f"Asked in attempt {a.attempt}: {a.question} -> " +
                    (f"answer ({a.source}): {a.answer}" if a.answer else f"no answer ({a.source}); decide yourself")
                    for a in self.asked]


@dataclass
class AttemptAsker:
    """An `Asker` for one attempt, answering through the task's shared `Clarifications`."""

    clarifications: Clarifications
    attempt: int

    def ask(self, question: Question) -> Answer:
        return self.clarifications.ask(question, self.attempt)


def choose_asker(clarify: str, task: dict | None, person: Asker | None) -> Asker | None:
    """Who answers `ask_user` for a task: only the task's hints_text with --clarify hints (no other field
    of the task), the given person otherwise, and no one with --clarify off."""
    if clarify == "hints":
        return HintsAsker(str((task or {}).get("hints_text") or ""))
    return person if clarify == "ask" else None


def answer_data(step: int, answer: Answer, **progress: float) -> dict:
    """The data of an `answer` event: the step that asked, whether and where from it was answered (for a
    reused answer, the attempt that asked and its source), and how far the run had got (`progress`)."""
    reused = {"from_attempt": answer.from_attempt, "origin": answer.origin} if answer.source == "earlier" else {}
    return {"step": step, "answered": bool(answer.text), "source": answer.source, **reused, **progress}


def answer_vars(answer: Answer) -> dict:
    """The `answer` prompt's variables, for a tool call's answer and a no-tools attempt's alike."""
    return {"answered": answer.text is not None, "source": answer.source, "text": answer.text or "",
            "limit": QUESTIONS_PER_TASK, "from_attempt": answer.from_attempt, "origin": answer.origin}
