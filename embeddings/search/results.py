"""What a search is asked (scopes, the longest question) and what it returns: ranked hits, each
with its passage, scores and highlighted sentence, and whether the answer is only tentative."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from embeddings.corpus.records import Passage
from embeddings.corpus.text import words


@dataclass(frozen=True)
class Asked:
    """One question as searched: what every set of candidates for it is scored against."""

    question: str  # as asked
    query: str  # as searched: without a date phrase, shorthand expanded, misspellings corrected
    vector: np.ndarray
    k: int
    scope: str
    overview: bool  # it asks only what was said (on a date, by someone): no topic to judge
    article: tuple | None  # (treaty, passage number) of an article it names, if in the library


@dataclass(frozen=True)
class Also:
    """Another document that says the same as a hit (a near-copy, named rather than quoted)."""

    document: str
    title: str
    date: str

    def to_dict(self) -> dict:
        return {"document": self.document, "title": self.title, "date": self.date}


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float
    dense: float
    lexical: float
    highlight: str = ""  # the sentence(s) of the passage that answer best: a verbatim substring
    also: tuple[Also, ...] = ()
    number: int = -1  # where the passage is in its index (``hits_at`` finds it again there)

    def to_dict(self) -> dict:
        p = self.passage
        return {
            "text": p.text,
            "highlight": self.highlight,
            "document": p.document,
            "title": p.title,
            "kind": p.kind,
            "date": p.date,
            "source": p.source,
            "paragraph": p.paragraph,
            "article": p.article,
            "speaker": p.speaker,
            "score": round(self.score, 4),
            "also_in": [a.to_dict() for a in self.also],
        }


# Refusals whose note says why: no document of the date, none of the speaker, a live figure or a later
# event ("live"), the asker's opinion or errand ("opinion").
EXPLAINED = ("no-date", "no-match", "live", "opinion")


@dataclass(frozen=True)
class SearchResult:
    question: str
    answered: bool
    hits: list[Hit]
    # Why nothing was answered: "empty", "off-topic", "no-documents", or one the note explains (EXPLAINED).
    reason: str = ""
    signals: dict = field(default_factory=dict)
    note: str = ""  # for the reader: what the answer was restricted to, or why there is none
    # Answered, but weakly: the hit is the nearest passage, which may not answer the question.
    tentative: bool = False
    # The question's words that no passage of the scope uses (said when refusing or tentative).
    unmatched: tuple[str, ...] = ()
    # Agreements in the library the question names by more than one word, where the scope does not
    # search them ("What does the Budapest Memorandum promise?" asked of the statements).
    unsearched: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "answered": self.answered,
            "tentative": self.tentative,
            "unmatched": list(self.unmatched),
            "unsearched": list(self.unsearched),
            "note": self.note,
            "hits": [h.to_dict() for h in self.hits] if self.answered else [],
        }

def hits_at(passages, kept: list[dict]) -> list[Hit]:
    """Hits kept from an earlier search ({id, number, highlight}), found again in ``passages``
    (an index's); those no longer at their place (the index was rebuilt since) are left out."""
    hits = []
    for item in kept:
        number = int(item.get("number", -1))
        passage = passages[number] if 0 <= number < len(passages) else None
        if passage is not None and passage.id == item["id"]:
            hits.append(Hit(passage, 0.0, 0.0, 0.0, item.get("highlight", ""), number=number))
    return hits


SCOPES = ("statements", "treaties", "all")

SCOPE_KINDS = {"statements": ("statement",), "treaties": ("treaty",), "all": ("statement", "treaty")}

MAX_QUERY_CHARS = 1000

NAMED_ARTICLE_RE = re.compile(r"\barticles?\s+(\d{1,3}[a-z]?)\b", re.IGNORECASE)
# A question whose subject is what an article itself says: "what does article 5 actually say", "what
# exactly does art. 4 mean", "what's in article 4", "what is article 5?", "can you explain article 51"
# (not "did nato invoke article 5", "what did nato say about article 5").
_ARTICLE = r"(?:the\s+)?art(?:icle)?s?\.?\s*(?P<{}>\d{{1,3}})\b"
_ASKS_ARTICLE_RE = re.compile(
    r"^\W*(?:what|wat|wht)(?:\s+exactly|\s+actually)?\s+(?:does|do|did)\s+" + _ARTICLE.format("a")
    + r"\s+(?:\w+ly\s+|even\s+)?(?:say|state|mean|cover|require|provide|guarantee|allow)s?\b"
    r"|^\W*(?:what(?:'s|’s|\s+is)|whats)\s+(?:in\s+)?" + _ARTICLE.format("b")
    + r"|^\W*(?:(?:can|could)\s+(?:you|u|someone)\s+|pls\s+|please\s+)?explain\s+" + _ARTICLE.format("c"),
    re.IGNORECASE)


def asked_article(text: str) -> str | None:
    """The number of the article whose words the question asks ("what does article 5 say": "5")."""
    found = _ASKS_ARTICLE_RE.match(text)
    return None if found is None else next(g for g in found.groups() if g)


def others_answer(result: SearchResult, named: frozenset[str], voice: Sequence[str]) -> bool:
    """Whether ``result`` answers from another's statement than the documents of the speaker the
    question names (``named``, by the words ``voice``), one that does not name the speaker either
    (it would quote them: "Stoltenberg said ..."). An agreement is no one's words."""
    if not result.answered or not result.hits:
        return False
    top = result.hits[0].passage
    return top.kind == "statement" and top.document not in named and not set(voice) & set(words(top.text))
