"""Neighbouring passages of one document, told apart by a second model.

The largest class of held-out misses on documents an admin adds is a neighbouring passage of the
right document quoted first: the fine-tuned MiniLM learned the statement's passages from labelled
questions, and on a new document's alike paragraphs its scores are close. Where the first passage
of an English answer and another of the same document among the first ``REACH`` hits score within
``MARGIN`` of each other, the question is also embedded by multilingual-e5-small, and of those
passages the one whose context vector (the passage after its title, speaker and date, as the
index holds it for questions in other languages; an article's own text) is nearest comes first.

Ranking only, and only within one document: which document answers, and whether to answer, are
decided as before, and a hit's score stays the fused one. A passage the served model was
fine-tuned to find (a labelled question's answer) keeps its place: there the model knows better.
Most questions pay nothing; the others pay one multilingual query (about 10 ms on 2 cores).
Measured in docs/quality.md ("Neighbouring passages told apart by the multilingual model").
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import replace

import numpy as np

from embeddings.search.results import SearchResult

# The fused scores of the first passage and a neighbour closer than this: the ranking is in doubt.
MARGIN = 0.03
# How far down the hits a passage of the first one's document is looked for.
REACH = 3


def in_doubt(result: SearchResult, learned: Collection[str] = frozenset()) -> list[int]:
    """The places (among the first ``REACH`` hits) of the passages of the first hit's document that
    score within ``MARGIN`` of it, the first included; empty where the ranking is not in doubt, or
    where the first passage is one the served model was fine-tuned to find (``learned``), or where
    the hits are what the documents lead with (an overview: "what did <speaker> say on <date>")."""
    hits = result.hits
    if not result.answered or len(hits) < 2 or hits[0].number < 0 or hits[0].passage.id in learned \
            or result.signals.get("overview"):  # what documents lead with, in their order: no ranking
        return []
    first = hits[0]
    close = [i for i, h in enumerate(hits[:REACH])
             if h.passage.document == first.passage.document and h.number >= 0 and first.score - h.score < MARGIN]
    return close if len(close) > 1 else []


def settle(result: SearchResult, context_vectors: np.ndarray | None, query: Callable[[], np.ndarray],
           learned: Collection[str] = frozenset()) -> SearchResult:
    """``result`` with the passage of its first document nearest the question by the multilingual
    model first, where its ranking is in doubt (``in_doubt``); ``query()`` embeds the question, and
    is called only then. The other hits keep their order; without the index's multilingual vectors
    (``context_vectors`` None) the result is as it is."""
    places = in_doubt(result, learned) if context_vectors is not None else []
    if not places:
        return result
    vector = query()
    numbers = np.array([result.hits[i].number for i in places], dtype=np.int64)
    nearest = places[int(np.argmax(np.asarray(context_vectors[numbers] @ vector)))]
    if nearest == 0:
        return result
    hits = [result.hits[nearest], *(h for i, h in enumerate(result.hits) if i != nearest)]
    return replace(result, hits=hits)
