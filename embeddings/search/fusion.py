"""Fusing the candidates of the dense and the lexical side into one ranking, and the no-answer
rule's probability for the best of them."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from embeddings.search.params import SearchParams


@dataclass(frozen=True)
class Allowed:
    """The passages a filtered search may return: consecutive ranges (documents) and their mask."""

    ranges: list[tuple[int, int]]
    mask: np.ndarray

    def units(self, unit_start: np.ndarray) -> int:
        return int(sum(unit_start[b] - unit_start[a] for a, b in self.ranges))


@dataclass(frozen=True)
class Candidates:
    """The passages scored for one question: passage numbers and, per passage, the whole-passage
    cosine, the best sentence's cosine and the raw BM25 score; plus facts about the words."""

    numbers: np.ndarray
    whole: np.ndarray
    best: np.ndarray
    lexical: np.ndarray
    facts: dict
    named_article: np.ndarray | None = None  # 1.0 where the question names the passage's article
    asked_lexical: np.ndarray | None = None  # BM25 of the question's own words, where ``lexical`` reads more


def fuse(found: Candidates, params: SearchParams, k: int, threshold: float | None = None):
    """Rank candidates and decide whether to answer: (order of the top k, fused scores, dense
    scores, answered, signals). Shared by search and by tuning, so both score alike.
    ``threshold`` replaces the fitted one (an index's calibrated threshold)."""
    a = params.passage_weight
    dense = a * found.whole + (1 - a) * found.best
    lex_norm = found.lexical / (found.lexical + params.lexical_saturation)
    fused = dense + params.lexical_weight * lex_norm
    if found.named_article is not None:
        fused = fused + params.article_weight * found.named_article
    order = np.argsort(-fused, kind="stable")[:k]
    own = lex_norm if found.asked_lexical is None else \
        found.asked_lexical / (found.asked_lexical + params.lexical_saturation)  # whether to answer: its own words
    signals = {
        "dense": float(dense.max()) if len(dense) else 0.0,
        "lexical": float(own.max()) if len(own) else 0.0,
        **found.facts,
    }
    probability = answer_probability(params, signals)
    signals["probability"] = probability
    threshold = params.answer_threshold if threshold is None else threshold
    answered = probability >= threshold and signals["dense"] >= params.dense_floor
    return order, fused, dense, answered, signals


def answer_probability(params: SearchParams, signals: dict) -> float:
    """The no-answer rule's probability that a question with these signals is answered."""
    z = params.answer_bias + sum(w * signals.get(name, 0.0) for name, w in params.answer_weights)
    return 1 / (1 + math.exp(-max(min(z, 50), -50)))
