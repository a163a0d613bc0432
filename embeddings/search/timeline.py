"""A topic's timeline: one passage per document that speaks to it, in date order. Mixed into
Searcher, whose focus, candidates and no-answer rule it uses."""

from __future__ import annotations

import numpy as np

from embeddings.corpus.text import normalise, tokens
from embeddings.search.focus import Filters, topic_text
from embeddings.search.fusion import answer_probability, fuse
from embeddings.search.results import Hit, SearchResult


class Timeline:
    """``Searcher.timeline``: how positions on a topic moved, document by document."""

    def timeline(self, topic: str, *, scope: str = "statements", filters: Filters | None = None,
                 limit: int = 25) -> SearchResult:
        """One passage per document that speaks to ``topic``, in date order: how positions moved.
        A document is in it when its best passage would pass the no-answer rule by itself."""
        text = normalise(topic)
        found = self._focus(topic, text, scope, filters)
        if isinstance(found, SearchResult):
            return found
        kinds, focus = found
        query, facts = self._prepare(topic_text(text, focus))
        vector = self.encoder.encode_query(query)
        documents = focus.documents if focus.documents is not None else frozenset(
            d for d in self.library.ids() if self.library.kind(d) in kinds)
        found = self._candidates(query, facts, vector, scope, self._allowed(documents), wide=True)
        if found is None or not len(found.numbers):
            return SearchResult(topic, False, [], reason="off-topic", note=focus.note)
        _, fused, dense, _, _ = fuse(found, self.params, 1)
        threshold = self.thresholds.get(scope, self.params.answer_threshold)
        lex_norm = found.lexical / (found.lexical + self.params.lexical_saturation)
        best: dict[str, int] = {}
        for i in np.argsort(-fused, kind="stable"):
            passage_doc = self.index.passages[int(found.numbers[i])].document
            if passage_doc in best:
                continue
            signals = {**found.facts, "dense": float(dense[i]), "lexical": float(lex_norm[i])}
            if answer_probability(self.params, signals) >= threshold and dense[i] >= self.params.dense_floor:
                best[passage_doc] = int(i)
        picked = sorted(best.values(), key=lambda i: (self.index.passages[int(found.numbers[i])].date, -fused[i]))
        hits = []
        for i in picked[:limit]:
            number = int(found.numbers[i])
            passage = self.index.passages[number]
            hits.append(Hit(passage, float(fused[i]), float(dense[i]), float(found.lexical[i]),
                            self.highlight(number, passage, vector, tokens(query)), number=number))
        return SearchResult(topic, bool(hits), hits, "" if hits else "off-topic", note=focus.note)
