"""A second opinion on a close English ranking, from the multilingual model.

The fine-tuned MiniLM ranks best the passages its labelled questions taught it (the statement's);
on the documents an admin adds, which nobody labels, it is a general model like any other, and
where its two best candidates are close it often puts a neighbouring passage first. There the
question is also embedded by multilingual-e5-small, whose vectors the index holds for every
passage (for questions in other languages), and the ranking adds its cosine to the fused score:
two models of different training disagree less often on the right passage than on a wrong one.

Ranking only: whether to answer is decided as before, on the fused score's own signals, and a
hit's score stays the fused one. Not where the first candidate is a passage the served model
learned (a labelled question's answer), not where the first two are far apart, and not for a
question the whole library refuses, so most questions pay nothing; the others pay the
multilingual model's query (about 11 ms on 2 cores, docs/performance.md). With the base model
(FINE_TUNE=off) nothing is learned, and every close ranking takes the second opinion. The
weight and margin were measured on the fresh dev sets and spent reserves (docs/quality.md, "A
second opinion on close rankings").
"""

from __future__ import annotations

import numpy as np

from embeddings.search.fusion import Candidates
from embeddings.search.other_languages import similarities

# How much of the multilingual cosine is added to the fused score (its cosines spread over a
# narrower range than MiniLM's: 0.75-0.90 where MiniLM's run 0.2-0.8).
WEIGHT = 3.0
# The fused scores of the first two candidates closer than this: the ranking is in doubt. 0.06
# gained a question more on the spent sets, but a third of English questions then wait for the
# multilingual model and the reply's p50 with the library loaded was 6.1 ms (docs/quality.md).
MARGIN = 0.03


class SecondOpinion:
    """Mixed into Searcher: ``multilingual``, ``index`` and ``learned`` are its."""

    def _second_opinion(self, question: str, found: Candidates, order: np.ndarray, fused: np.ndarray,
                        k: int) -> tuple[np.ndarray, np.ndarray]:
        """``order`` re-ranked with the multilingual cosine added where the ranking is in doubt and
        its first passage is none the served model learned; as it is otherwise. ``fused`` (the
        hits' scores) is returned as it is."""
        e5 = self.index.e5
        if self.multilingual is None or e5 is None or len(order) < 2 or fused[order[0]] - fused[order[1]] >= MARGIN:
            return order, fused
        if self.index.passages[int(found.numbers[order[0]])].id in self.learned:
            return order, fused
        vector = self._multilingual_query(question)
        sims = similarities(e5, found.numbers, vector)
        if self.index.e5_context is not None:
            sims = np.maximum(sims, similarities(self.index.e5_context, found.numbers, vector))
        mixed = fused + WEIGHT * sims  # the order only: a hit's score stays the fused one
        return self._learned_kept(found, np.argsort(-fused, kind="stable"), np.argsort(-mixed, kind="stable"), k), fused

    def _learned_kept(self, found: Candidates, before: np.ndarray, after: np.ndarray, k: int) -> np.ndarray:
        """The first ``k`` of ``after``, but a passage the served model learned keeps its place of
        ``before``: the second opinion re-orders the others around it."""
        kept = {i: int(before[i]) for i in range(min(k, len(before)))
                if self.index.passages[int(found.numbers[before[i]])].id in self.learned}
        others = (int(j) for j in after if int(j) not in kept.values())
        return np.array([kept[i] if i in kept else next(others) for i in range(min(k, len(before)))], dtype=np.int64)

    def _multilingual_query(self, question: str) -> np.ndarray:
        """The question's multilingual vector; the last one kept, since a question may be ranked
        several times (a named speaker's documents, then all)."""
        last = self._last_multilingual
        if last is not None and last[0] == question:
            return last[1]
        vector = self.multilingual.query(question)
        self._last_multilingual = (question, vector)
        return vector
