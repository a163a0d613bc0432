"""Questions in other languages: routed by language, answered by multilingual-e5 from the same
passages, quoted in English with a note in the asker's language, refused when off-topic."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bot import render
from embeddings.config import PROJECT_ROOT
from embeddings.encoders.multilingual import NOTES
from embeddings.labels import load_rows
from embeddings.search.other_languages import similarities
from embeddings.training.evaluate import evaluate

from .botkit import all_text, question

SET = PROJECT_ROOT / "embeddings" / "eval" / "multilingual_questions.jsonl"


def test_english_stays_english_and_other_languages_are_named(engine):
    router = engine.searcher.router
    shipped = [r.question for r in load_rows()]
    routed = [q for q in shipped if router.language(q) != "en"]
    assert not routed, routed  # every English labelled question keeps the English pipeline
    for text in ("sanctions", "Article 5", "art 5", "Is NATO sending ships?", "sanktions against russia",
                 "nato condem russia invasoin"):  # English by its names and one word, typos aside
        assert router.language(text) == "en", text
    for text, language in (("Quel pays a été condamné pour avoir facilité l'attaque ?", "fr"),
                           ("Welches Land wurde verurteilt?", "de"), ("¿Qué país fue condenado?", "es"),
                           ("Яку країну засудили?", "uk"), ("Какую страну осудили?", "ru"),
                           ("Czy NATO wysyła okręty?", "pl"),
                           ("Co powiedziała NATO 24 marca?", "pl"),  # library words only by the name
                           ("Co powiedział Biden o Putinie?", "pl"), ("Was hat Biden am 24. Februar gesagt?", "de"),
                           # a name and the words of asking what was said only: too few for the identifier
                           ("Qu'a dit Stoltenberg ?", "fr"), ("Was sagte Stoltenberg?", "de"),
                           ("Qu'a dit Stoltenberg le 4 mars ?", "fr")):
        assert router.language(text) == language, text
    for text in ("was it biden", "what did biden say", "wat did biden sai", "die stoltenberg", "Des Moines?"):
        assert router.language(text) == "en", text


def test_the_held_out_half_of_the_translated_set(engine):
    """Fifteen questions in each of French, German, Spanish, Russian and Ukrainian, and four
    off-topic ones in each, split in two by a hash before the threshold was fitted on the first
    half (benchmarks/tune_multilingual.py); this is the other half. Issue #14 asked recall@1 >=
    0.60, recall@3 >= 0.80, off-topic refused >= 0.75; the English reading of a question's words
    (search/crosslingual.py) lifted recall@1 from 0.674 to 0.79 (docs/quality.md), kept here."""
    rows = [r for r in load_rows([SET], shipped=False) if r.split == "test"]
    assert len({r.lang for r in rows}) >= 4 and sum(r.answerable for r in rows) >= 40
    got = evaluate(engine, rows, None, training_rows=False)["current"]["pipeline"]
    assert got["recall@1"] >= 0.75 and got["recall@3"] >= 0.90, got
    assert got["off_topic_rejected"] >= 0.75, got


def test_a_library_does_not_silence_other_languages(engine_with_library):
    """The same half with the statements of tests/fixtures/library/ loaded. The threshold is the
    fitted one or, where higher, the level of the off-topic probes in other languages on this
    index; raised instead by as much as the English probes rose from data/ to the library, it
    refused 0.44 of these answerable questions (docs/quality.md)."""
    from embeddings.encoders.multilingual import THRESHOLD

    thresholds = engine_with_library.searcher.multilingual_thresholds
    assert thresholds and min(thresholds.values()) >= THRESHOLD
    rows = [r for r in load_rows([SET], shipped=False) if r.split == "test"]
    got = evaluate(engine_with_library, rows, None, training_rows=False)["current"]["pipeline"]
    assert got["false_rejection"] <= 0.15 and got["off_topic_rejected"] >= 0.75, got


def test_a_short_turn_of_a_transcript_does_not_decide_an_answer(engine_with_library):
    """"What's your next question? I'm sorry." is near every question in the multilingual space;
    before it was kept from deciding, it answered how to bake bread."""
    from embeddings.search.other_languages import MIN_DECIDING_WORDS

    bread = engine_with_library.ask("Comment faire du pain maison ?")
    assert not bread.answered and len(bread.hits[0].passage.text.split()) < MIN_DECIDING_WORDS
    banks = engine_with_library.ask("Qu'a dit Biden sur les banques russes ?")
    assert banks.answered and banks.hits[0].passage.document.startswith("us_whitehouse_biden")


def test_whether_a_question_is_answered_does_not_depend_on_how_many_passages_are_shown(engine_with_library):
    """A server that shows one passage gets the same answer, or refusal, as one that shows ten: with
    the threshold between the first passage's own similarity and a later one's, both answer."""
    from embeddings.search.other_languages import MIN_DECIDING_WORDS
    from embeddings.search.searcher import Searcher

    base = engine_with_library.searcher
    searcher = Searcher(engine_with_library.index, engine_with_library.encoder, base.params, cache_size=0,
                        calibrate=False, multilingual=base.multilingual)
    tried = 0
    for asked in ("Qu'a dit Biden sur les banques russes ?", "¿Qué dijo el G7 sobre Bielorrusia?",
                     "Что сказал Байден о санкциях?", "Was sagte die NATO über ihre Ostflanke?"):
        searcher.multilingual_thresholds = {"statements": 0.0, "all": 0.0}
        hits = [h for h in searcher.search(asked, k=10).hits if len(h.passage.text.split()) >= MIN_DECIDING_WORDS]
        later = max(h.dense for h in hits[1:])
        if later <= hits[0].dense:
            continue
        tried += 1
        searcher.multilingual_thresholds = {"statements": (hits[0].dense + later) / 2, "all": 1.0}
        got = {k: searcher.search(asked, k=k) for k in (1, 3, 10)}
        assert all(r.answered for r in got.values()), asked
        assert [h.passage.id for h in got[10].hits[:3]] == [h.passage.id for h in got[3].hits], question
    assert tried


def test_a_voice_and_a_date_named_in_another_language_give_their_nearest_passages(engine_with_library, monkeypatch):
    """Where the documents of the voice and date a question names do not reach the threshold,
    their nearest passages are quoted, said to be only that, as in English; not refused."""
    from embeddings.search import other_languages

    monkeypatch.setattr(other_languages, "MULTILINGUAL_THRESHOLD", 0.99)  # theirs do not answer clearly
    dated = engine_with_library.ask("¿Qué dijo el G7 el 24 de febrero sobre los refugiados de Bielorrusia?")
    assert dated.answered and dated.tentative and dated.hits[0].passage.document.startswith("g7_leaders_statement")
    assert "G7" in dated.note


def test_a_reply_quotes_english_and_says_so_in_the_askers_language(engine):
    result = engine.ask("Quel pays, à part la Russie, a été condamné pour avoir facilité l'attaque ?")
    assert result.answered and result.note == NOTES["fr"]
    assert result.hits[0].passage.text in {p.text for p in engine.index.passages}  # the English words
    reply = render.answer(result)
    assert NOTES["fr"] in reply.content and reply.embeds and "2022-02-24" in json.dumps(
        [e.to_dict() for e in reply.embeds])
    refused = engine.ask("Как испечь хлеб дома?")
    assert not refused.answered


def _record_embedded(monkeypatch) -> tuple[list[list[str]], list[str]]:
    """What the multilingual model is asked to embed from now on: each batch of passages, and
    every short text (word) embedded as a query."""
    from embeddings.encoders.multilingual import Multilingual

    batches: list[list[str]] = []
    words: list[str] = []
    real, real_words = Multilingual.passages, Multilingual.queries
    monkeypatch.setattr(Multilingual, "passages", lambda self, texts, *a, **k: batches.append(list(texts)) or
                        real(self, texts, *a, **k))
    monkeypatch.setattr(Multilingual, "queries", lambda self, texts, *a, **k: words.extend(texts) or
                        real_words(self, texts, *a, **k))
    return batches, words


def test_multilingual_vectors_are_built_once_and_reused(fresh_settings, encoder, caplog, monkeypatch):
    import logging

    from embeddings.index.build import build_index
    from embeddings.service import Engine

    engine = Engine(fresh_settings, encoder=encoder)
    engine.load()  # the session's model folder holds the vectors of data/ already: nothing to embed
    assert engine.index.e5 is not None and len(engine.index.e5) == len(engine.index.passages)
    assert (fresh_settings.model_dir / "multilingual-vectors.npz").exists()
    embedded, words = _record_embedded(monkeypatch)
    (fresh_settings.data_dir / "new.txt").write_text("date 2023-07 The allies met in Vilnius.\n", "utf-8")
    with caplog.at_level(logging.INFO):
        build_index(fresh_settings.data_dir, fresh_settings.index_dir, encoder, multilingual=engine.multilingual)
    assert [len(batch) for batch in embedded] == [2]  # only the new passage, and it after its context
    assert words == ["met", "vilnius"]  # and of the words only the new ones ("the", "allies" were there)


def test_the_librarys_words_have_multilingual_vectors(engine):
    """The index keeps a multilingual vector of each of the library's words of three letters or
    more (``lexicon.npy``), as the model embeds a question's words."""
    from embeddings.index.multilingual_vectors import lexicon_words

    index = engine.index
    assert index.lexicon_words == lexicon_words(index.words) and len(index.lexicon) == len(index.lexicon_words)
    assert "sanctions" in index.lexicon_words and "of" not in index.lexicon_words
    row = index.lexicon_words.index("sanctions")
    assert float(index.lexicon[row] @ engine.multilingual.queries(["sanctions"])[0]) > 0.999


def test_a_question_in_another_language_is_read_in_the_librarys_english_words(engine):
    """Its words that are not the library's are read as the library's words nearest them; names
    the library writes are kept as typed, numbers left out."""
    from embeddings.search.crosslingual import MAX_WORDS_READ, english_reading

    index = engine.index

    def read(question: str) -> list[str]:
        return english_reading(question, index.words, engine.multilingual.queries, index.lexicon,
                               index.lexicon_words).split()

    assert {"nato", "sanctions"} <= set(read("Was sagt die NATO über Sanktionen?"))
    assert "self-defence" in read("Чи має Україна право на самооборону?")
    assert "borders" in read("¿Qué dice la Carta sobre las fronteras?")
    assert "24" not in read("Qu'a dit l'OTAN le 24 février ?")
    embedded: list[str] = []
    long = " ".join(f"слово{a}{b}" for a in "абвгдежзий" for b in "клмнопрсту")  # not 100 words one by one
    english_reading(long, index.words, lambda ws: embedded.extend(ws) or engine.multilingual.queries(ws),
                    index.lexicon, index.lexicon_words)
    assert len(embedded) == MAX_WORDS_READ


def test_a_question_s_words_are_embedded_once_and_kept(monkeypatch):
    """A word's vector is kept for the next questions (a copy, not a view of its batch), the least
    recently asked dropped past ``WORDS_KEPT``."""
    from embeddings.encoders import multilingual as module

    model = module.Multilingual()
    _, asked = _record_embedded(monkeypatch)
    monkeypatch.setattr(module, "WORDS_KEPT", 3)
    first = model.word_vectors(["санкции", "границы", "санкции"])
    assert asked == ["санкции", "границы"] and first.shape == (3, 384)
    assert np.array_equal(first[0], first[2]) and model._words["санкции"].base is None
    again = model.word_vectors(["границы", "санкции"])
    assert asked == ["санкции", "границы"] and np.array_equal(again[0], first[1])  # nothing embedded again
    model.word_vectors(["войска", "беженцы"])  # four words kept at most three: the oldest asked goes
    assert list(model._words) == ["санкции", "войска", "беженцы"]


def test_the_english_reading_scores_every_passage_of_the_documents_searched(engine_with_library):
    """Confined to a document, the English pipeline's score for the reading is each of its passages'
    own, not the lowest for all those outside the whole library's best."""
    searcher = engine_with_library.searcher
    document = next(d["id"] for d in searcher.index.manifest["documents"] if d["kind"] == "statement"
                    and d["passages"] >= 8)
    numbers = searcher._scope_numbers("statements", frozenset({document}))
    scores = searcher._english_scores("borders sovereignty sanctions", numbers, "statements", frozenset({document}))
    assert len(scores) == len(numbers) and len(set(scores.tolist())) == len(numbers)


def test_an_index_without_the_lexicon_gives_its_passages_vectors_to_the_next(fresh_settings, encoder,
                                                                              monkeypatch):
    """An index built before the lexicon (no lexicon.npy) and no cache beside the models (as past
    the cache's limit): the rebuild embeds the library's words, not its passages again."""
    from embeddings.index import multilingual_vectors
    from embeddings.index.build import build_index
    from embeddings.index.layout import LEXICON, LEXICON_WORDS, current_path
    from embeddings.service import Engine

    engine = Engine(fresh_settings, encoder=encoder)
    engine.load()
    version = current_path(fresh_settings.index_dir)
    (version / LEXICON).unlink()
    (version / LEXICON_WORDS).unlink()
    monkeypatch.setattr(multilingual_vectors, "read_vectors", lambda file: {})  # no cache (the shared one kept)
    monkeypatch.setattr(multilingual_vectors, "keep_vectors", lambda file, kept, new: None)
    embedded, words = _record_embedded(monkeypatch)
    build_index(fresh_settings.data_dir, fresh_settings.index_dir, encoder, multilingual=engine.multilingual,
                force=True)
    assert sum(embedded, []) == [] and sorted(words) == sorted(engine.index.lexicon_words)


def test_a_statement_passage_has_a_second_vector_after_its_context(engine):
    """Rows 0..N-1 of the multilingual vectors are the passages' own, rows N..2N-1 a statement
    passage's after its title, section and speaker (an article's own again)."""
    from embeddings.index.load import context_text

    index, model = engine.index, engine.multilingual
    statement = next(n for n, p in enumerate(index.passages) if p.kind == "statement")
    article = next(n for n, p in enumerate(index.passages) if p.kind == "treaty")
    own, context = model.passages([index.passages[statement].text, context_text(index.passages[statement])])
    assert float(index.e5[statement] @ own) > 0.999 and float(index.e5_context[statement] @ context) > 0.999
    assert float(index.e5[statement] @ context) < 0.995  # the two rows differ
    assert np.array_equal(index.e5_context[article], index.e5[article])


async def test_slash_ask_in_french(world):
    emu, _, _ = world
    interaction = await emu.interact("ask", [question("Quel pays a été condamné pour avoir facilité l'attaque ?")])
    text = all_text(await emu.answer(interaction))
    assert NOTES["fr"] in text and "Belarus" in text


def test_off_means_english_only(fresh_settings, encoder):
    from dataclasses import replace

    from embeddings.service import Engine

    engine = Engine(replace(fresh_settings, multilingual="off"), encoder=encoder)
    engine.load()
    assert engine.searcher.router is None
    assert not engine.ask("Quel pays a été condamné pour avoir facilité l'attaque ?").note


@pytest.mark.parametrize("language", sorted(NOTES))
def test_notes_are_short(language):
    assert 10 < len(NOTES[language]) < 120


async def test_commands_are_localised(world):
    """Discord shows each person the commands in their client's language: descriptions and
    option names (the emulator refuses what Discord would: bad names, long descriptions)."""
    emu, _, _ = world
    ask = emu.commands["ask"]
    for language in ("fr", "de", "es-ES", "pl", "ru", "uk"):
        assert ask["description_localizations"][language] != ask["description"]
    options = {o["name"]: o for o in ask["options"]}
    assert options["question"]["name_localizations"]["fr"] == "question"
    assert options["question"]["name_localizations"]["de"] == "frage"
    assert options["from"]["name_localizations"]["uk"] == "з" and options["to"]["name_localizations"]["ru"] == "по"
    assert "timeline" in emu.commands and emu.commands["timeline"]["description_localizations"]["pl"]


def test_similarities_are_the_same_whichever_way_they_are_computed():
    rng = np.random.default_rng(1)
    matrix = rng.standard_normal((50, 8)).astype(np.float32)
    vector = rng.standard_normal(8).astype(np.float32)
    for numbers in (np.arange(50), np.array([3, 7, 9]), np.arange(0, 50, 2)):  # all, few, half
        assert np.allclose(similarities(matrix, numbers, vector), matrix[numbers] @ vector, atol=1e-5)


def test_the_multilingual_model_runs_on_one_thread_of_its_own():
    """Its OpenMP team belongs to the thread that calls it: called from the bot's worker threads in
    turn, each team competed with the last one's, still spinning (24 ms a question instead of 11)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from embeddings.encoders.multilingual import Multilingual

    seen: list[str] = []

    class Engine:
        def query(self, text):
            seen.append(threading.current_thread().name)
            return np.zeros(384)

        def passage(self, texts):
            seen.append(threading.current_thread().name)
            return np.zeros((len(texts), 384))

    model = Multilingual()
    model._model = Engine()
    model.query("from the main thread")
    with ThreadPoolExecutor(2) as workers:
        list(workers.map(model.query, ["a", "b", "c", "d"]))
    model.passages(["x", "y"])
    assert len(seen) == 6 and len(set(seen)) == 1 and seen[0].startswith("multilingual")
