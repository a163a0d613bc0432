"""Neighbouring passages of one document told apart by the multilingual model
(embeddings/search/neighbours.py): only where the ranking is in doubt, only within the first
hit's document, and the question's multilingual vector computed only then."""

from __future__ import annotations

import numpy as np
import pytest

from embeddings.corpus.records import Passage
from embeddings.search import neighbours
from embeddings.search.neighbours import in_doubt, settle
from embeddings.search.results import Hit, SearchResult


def hit(document: str, n: int, score: float, number: int) -> Hit:
    passage = Passage(f"{document}#{n}", document, document.title(), "statement", "2022-03-01", "", n, f"text {n}")
    return Hit(passage, score, score, 0.0, number=number)


def result(*hits: Hit, answered: bool = True) -> SearchResult:
    return SearchResult("q", answered, list(hits))


def vectors(*rows: list[float]) -> np.ndarray:
    matrix = np.array(rows, dtype=np.float32)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def test_in_doubt_only_within_the_first_documents_close_passages():
    close = result(hit("a", 1, 0.70, 0), hit("b", 4, 0.69, 1), hit("a", 2, 0.68, 2))
    assert in_doubt(close) == [0, 2]  # the other document's passage between them is not weighed
    far = result(hit("a", 1, 0.70, 0), hit("a", 2, 0.70 - neighbours.MARGIN, 1))
    assert in_doubt(far) == []
    other_documents = result(hit("a", 1, 0.70, 0), hit("b", 2, 0.695, 1), hit("c", 1, 0.69, 2))
    assert in_doubt(other_documents) == []
    beyond_reach = result(hit("a", 1, 0.70, 0), hit("b", 1, 0.699, 1), hit("c", 1, 0.698, 2), hit("a", 2, 0.697, 3))
    assert in_doubt(beyond_reach) == []
    assert in_doubt(result(hit("a", 1, 0.70, 0), hit("a", 2, 0.69, 1), answered=False)) == []
    assert in_doubt(result(hit("a", 1, 0.70, 0))) == []
    overview = result(hit("a", 1, 0.60, 0), hit("a", 2, 0.61, 1))
    overview.signals["overview"] = True  # "what did <speaker> say on <date>": their leading passages, in order
    assert in_doubt(overview) == []


def test_the_nearest_neighbour_by_context_comes_first_and_the_rest_keep_their_order():
    context = vectors([1, 0, 0], [0, 1, 0], [0, 0, 1])
    asked = []

    def query():
        asked.append(1)
        return np.array([0.1, 0.2, 0.97], dtype=np.float32)

    before = result(hit("a", 1, 0.70, 0), hit("b", 1, 0.695, 1), hit("a", 3, 0.69, 2))
    after = settle(before, context, query)
    assert [h.passage.id for h in after.hits] == ["a#3", "a#1", "b#1"]
    assert [h.score for h in after.hits] == [0.69, 0.70, 0.695]  # a hit's score stays the fused one
    assert asked == [1]


def test_no_multilingual_query_where_the_ranking_is_not_in_doubt():
    def query():
        raise AssertionError("embedded although the ranking is not in doubt")

    clear = result(hit("a", 1, 0.80, 0), hit("a", 2, 0.60, 1))
    assert settle(clear, vectors([1, 0], [0, 1]), query) is clear
    assert settle(result(hit("a", 1, 0.7, 0), hit("a", 2, 0.69, 1)), None, query).hits[0].passage.id == "a#1"


def test_the_first_passage_stays_where_it_is_also_the_nearest():
    before = result(hit("a", 1, 0.70, 0), hit("a", 2, 0.69, 1))
    assert settle(before, vectors([1, 0], [0, 1]), lambda: np.array([1.0, 0.0], dtype=np.float32)) is before


@pytest.mark.parametrize("margin", [0.0, neighbours.MARGIN])
def test_the_engine_settles_close_english_rankings_with_the_multilingual_model(engine_with_library, monkeypatch,
                                                                                margin):
    """Through the real engine: with the margin at 0 the question is never embedded by the
    multilingual model; with the served margin, a question whose first two passages of one
    document are close gets the one nearer by the multilingual context vectors first."""
    searcher = engine_with_library.searcher
    calls = []
    real = searcher.multilingual.query
    monkeypatch.setattr(searcher.multilingual, "query", lambda text: calls.append(text) or real(text))
    monkeypatch.setattr(neighbours, "MARGIN", margin)
    monkeypatch.setattr(searcher, "_cache_size", 0)
    question = "did the G7 mention energy"
    got = searcher.search(question, k=3, scope="statements")
    assert got.answered
    if margin == 0.0:
        assert calls == []
        return
    assert calls == [question]
    index = engine_with_library.index
    same = [h for h in got.hits[:neighbours.REACH] if h.passage.document == got.hits[0].passage.document]
    best = max(h.score for h in same)
    close = [h for h in same if best - h.score < margin]
    assert len(close) > 1 and got.hits[0] in close
    vector = real(question)
    assert got.hits[0].number == max((h.number for h in close), key=lambda n: float(index.e5_context[n] @ vector))


def test_a_passage_the_model_learned_keeps_its_place():
    def query():
        raise AssertionError("embedded although the first passage is one the model learned")

    before = result(hit("a", 1, 0.70, 0), hit("a", 2, 0.69, 1))
    assert in_doubt(before, frozenset({"a#1"})) == []
    assert settle(before, vectors([1, 0], [0, 1]), query, frozenset({"a#1"})) is before


def test_the_served_model_learned_the_shipped_answers(engine):
    """The engine's searcher knows the passages its fine-tuned model learned: the labelled set's
    answers, each a passage of the shipped corpus."""
    learned = engine.searcher.learned
    ids = {p.id for p in engine.index.passages}
    assert len(learned) > 20 and learned <= ids
