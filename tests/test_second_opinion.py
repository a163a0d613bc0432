"""The multilingual model's second opinion on a close English ranking (search/second_opinion.py)."""

import pytest

from embeddings.labels import load_rows
from embeddings.search import second_opinion

from .test_who_when import G7_MARCH


def _ask(engine, question: str, **kwargs):
    engine.searcher._cache.clear()  # the same question, asked under other settings
    return engine.ask(question, **kwargs)


def test_a_close_ranking_of_an_unlabelled_document_takes_the_second_opinion(engine_with_library, monkeypatch):
    """Nobody labelled questions about the G7's statement of 11 March: the fine-tuned model puts its
    paragraph on reducing reliance on Russian energy close behind the one on the war's cost to
    developing economies; with the multilingual model's cosine added, the energy one comes first."""
    asked = "What did the G7 say about Russian energy on 11 March 2022?"
    result = _ask(engine_with_library, asked, k=3)
    assert result.answered and result.hits[0].passage.id == f"{G7_MARCH}#5"
    assert engine_with_library.searcher._last_multilingual[0] == asked  # it was asked
    monkeypatch.setattr(second_opinion, "MARGIN", 0.0)  # no ranking is in doubt: MiniLM's alone
    alone = _ask(engine_with_library, asked, k=3)
    assert alone.hits[0].passage.id != f"{G7_MARCH}#5" and f"{G7_MARCH}#5" in [h.passage.id for h in alone.hits]
    assert alone.answered == result.answered  # ranking only: whether to answer is decided as before


def test_the_passages_the_model_learned_keep_their_places(engine, monkeypatch):
    """On the shipped questions, whose answers the served model was fine-tuned to find, a learned
    passage stays where the fine-tuned ranking put it, and the first passage is never moved."""
    learned = engine.searcher.learned
    assert learned and all(p.split("#")[0] in {d["id"] for d in engine.index.manifest["documents"]} for p in learned)
    questions = [r.question for r in load_rows() if r.answerable][:120]
    mixed = {q: [h.passage.id for h in _ask(engine, q, k=3, scope="all").hits] for q in questions}
    monkeypatch.setattr(second_opinion, "MARGIN", 0.0)
    alone = {q: [h.passage.id for h in _ask(engine, q, k=3, scope="all").hits] for q in questions}
    moved = [q for q in questions if mixed[q] != alone[q]]
    for q in questions:
        assert not alone[q] or alone[q][0] not in learned or mixed[q][0] == alone[q][0], q
        for place, pid in enumerate(alone[q]):
            if pid in learned:
                assert mixed[q][place] == pid, q
    assert len(moved) < len(questions) // 4  # most rankings are not in doubt


@pytest.mark.parametrize("before, learned_at, after, expected", [
    ([0, 1, 2, 3], {1}, [3, 2, 1, 0], [3, 1, 2, 0]),  # 1 keeps place 1; the others in the new order
    ([0, 1, 2, 3], set(), [2, 0, 1, 3], [2, 0, 1, 3]),
    ([0, 1, 2], {0, 2}, [1, 2, 0], [0, 1, 2]),
])
def test_a_learned_passage_keeps_its_place_among_the_others(engine, before, learned_at, after, expected):
    import numpy as np

    from embeddings.search.fusion import Candidates

    passages = engine.index.passages
    numbers = np.arange(len(before))
    found = Candidates(numbers, np.zeros(len(before)), np.zeros(len(before)), np.zeros(len(before)), {})

    class Fake(second_opinion.SecondOpinion):
        index = engine.index
        learned = frozenset(passages[i].id for i in learned_at)

    order = Fake()._learned_kept(found, np.array(before), np.array(after), len(before))
    assert order.tolist() == expected
