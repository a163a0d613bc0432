"""Hybrid search: dense (FAISS, over passages and their sentences) + lexical (BM25), fused,
with a no-answer decision that combines both signals."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from .documents import Passage
from .index import LoadedIndex
from .text import normalise, tokens

log = logging.getLogger(__name__)

SCOPES = ("statements", "treaties", "all")
_SCOPE_KINDS = {"statements": ("statement",), "treaties": ("treaty",), "all": ("statement", "treaty")}
MAX_QUERY_CHARS = 1000


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float
    dense: float
    lexical: float

    def to_dict(self) -> dict:
        p = self.passage
        return {
            "text": p.text,
            "document": p.document,
            "title": p.title,
            "kind": p.kind,
            "date": p.date,
            "source": p.source,
            "paragraph": p.paragraph,
            "article": p.article,
            "score": round(self.score, 4),
        }


@dataclass(frozen=True)
class SearchResult:
    question: str
    answered: bool
    hits: list[Hit]
    reason: str = ""  # why nothing was answered: "empty", "off-topic"
    signals: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "answered": self.answered,
            "hits": [h.to_dict() for h in self.hits] if self.answered else [],
        }


@dataclass(frozen=True)
class SearchParams:
    """Fusion weights and no-answer thresholds (tuned on the evaluation set)."""

    candidates: int = 50
    lexical_weight: float = 0.35  # weight of the saturated BM25 score beside the cosine
    lexical_saturation: float = 6.0  # BM25 score that counts as half-way to a full match
    sentence_weight: float = 1.0  # weight of the best sentence cosine against the paragraph's
    min_dense: float = 0.47  # answer on meaning alone above this cosine
    min_dense_with_words: float = 0.25  # ... or above this one if topic words also match
    min_lexical: float = 1.5  # BM25 score that counts as "topic words match"


class Searcher:
    """Answers questions from one loaded index. Thread-safe for concurrent searches."""

    def __init__(self, index: LoadedIndex, encoder, params: SearchParams | None = None) -> None:
        self.index = index
        self.encoder = encoder
        self.params = params or SearchParams()

    def search(self, question: str, *, k: int = 3, scope: str = "statements") -> SearchResult:
        if scope not in _SCOPE_KINDS:
            raise ValueError(f"scope must be one of {', '.join(SCOPES)}")
        query = normalise(question)[:MAX_QUERY_CHARS]
        if not any(ch.isalnum() for ch in query):
            return SearchResult(question, False, [], reason="empty")
        kinds = [self.index.kinds[k] for k in _SCOPE_KINDS[scope] if k in self.index.kinds]
        if not kinds:
            return SearchResult(question, False, [], reason="no-documents")
        vector = self.encoder.encode_query(query)
        query_tokens = tokens(query)
        p = self.params
        dense: dict[int, float] = {}
        lexical: dict[int, float] = {}
        for kind in kinds:
            dense.update(self._dense(kind, vector))
            lexical.update(self._lexical(kind, query_tokens))
        scored = []
        for number in set(dense) | set(lexical):
            d = dense.get(number, 0.0)
            lex = lexical.get(number, 0.0)
            lex_norm = lex / (lex + p.lexical_saturation) if lex > 0 else 0.0
            scored.append((d + p.lexical_weight * lex_norm, d, lex, number))
        scored.sort(reverse=True)
        hits = [Hit(self.index.passages[n], s, d, lex) for s, d, lex, n in scored[:k]]
        best_dense = max(dense.values(), default=0.0)
        best_lexical = max(lexical.values(), default=0.0)
        answered = best_dense >= p.min_dense or (
            best_dense >= p.min_dense_with_words and best_lexical >= p.min_lexical
        )
        signals = {"dense": best_dense, "lexical": best_lexical}
        return SearchResult(question, answered, hits, "" if answered else "off-topic", signals)

    def _dense(self, kind, vector: np.ndarray) -> dict[int, float]:
        """Best unit cosine per passage (a passage scores as well as its best sentence)."""
        n = min(self.params.candidates * 4, kind.dense.ntotal)
        scores, ids = kind.dense.search(vector.reshape(1, -1).astype(np.float32), n)
        out: dict[int, float] = {}
        for score, local in zip(scores[0], ids[0]):
            if local < 0:  # FAISS pads missing results with -1
                continue
            number = int(self.index.unit_passage[kind.unit_offset + local])
            if float(score) > out.get(number, -1.0):
                out[number] = float(score)
        return out

    def _lexical(self, kind, query_tokens: list[str]) -> dict[int, float]:
        known = [t for t in query_tokens if t in kind.vocabulary]
        if not known:
            return {}
        n = min(self.params.candidates, kind.passage_count)
        ids, scores = kind.bm25.retrieve([known], k=n, show_progress=False, n_threads=1)
        return {
            kind.passage_offset + int(i): float(s)
            for i, s in zip(ids[0], scores[0])
            if s > 0
        }
