"""`run --clarify hints`: the model's questions answered from the task's `hints_text`, and nothing else.

The answerer is built from that one string, so no other field of the task (the gold patch, the tests) can
reach the model through it. The answer is the passages of the hints most relevant to the question by BM25,
or none at all when the hints are empty or share no term with the question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .events import Answer, Question

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
