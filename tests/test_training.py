"""Fine-tuning (embeddings/training/, embeddings/registry.py): the shipped record belongs to the
shipped data, the product model is the fine-tuned one, training is deterministic, a worse model
is refused, changed labels retrain, a damaged model folder is named and trained again."""

from __future__ import annotations

import json
import logging
import random
import re
import shutil
import threading
from collections import Counter

import numpy as np
import pytest

from embeddings import registry
from embeddings.config import EngineSettings
from embeddings.corpus.documents import load_corpus
from embeddings.encoders.base import file_sha256, model_fingerprint
from embeddings.labels import Row, load_rows
from embeddings.registry import (
    ModelDamaged,
    TrainConfig,
    data_key,
    read_card,
    shipped_record,
    usable_rows,
)
from embeddings.search.params import SearchParams
from embeddings.training import fit as fitting
from embeddings.training import prepare
from embeddings.training.crossval import gate
from embeddings.training.fit import Pair, deal_batches, fit
from embeddings.training.prepare import select_or_train

from .conftest import DATA, STATEMENT_FILE

# Floors for the held-out figures (five folds, each question scored by a model that never saw it):
# a guard against regressions, not the issue's bar (0.90 / 0.97 on recall, not reached). Measured on
# the 260 answerable questions (docs/quality.md): recall@1 0.850, recall@3 0.946, off-topic 1.000,
# false refusal 0.031. Floors: the measured figures less about one question.
TARGETS = {"recall@1": 0.845, "recall@3": 0.94, "off_topic_rejected": 0.95}
MAX_FALSE_REJECTION = 0.05



def corpus_of(settings: EngineSettings) -> dict:
    return {p.id: p for p in load_corpus(settings.data_dir).passages}


def test_shipped_record_is_for_the_shipped_data(engine_settings):
    """The committed cross-validation record must belong to exactly the shipped labelled set,
    base model and settings: edit one and this fails until benchmarks/tune.py is run again."""
    record = shipped_record()
    assert record is not None
    corpus = corpus_of(engine_settings)
    rows, dropped = usable_rows(load_rows(), corpus)
    assert not dropped
    assert record["key"] == data_key(model_fingerprint(engine_settings.model_path), rows, corpus, TrainConfig())
    assert record["answerable"] >= 150 and record["config"]["folds"] == 5


def test_held_out_figures_meet_the_bar():
    record = shipped_record()
    trained, base = record["trained"]["pooled"], record["base"]["pooled"]
    for key, floor in TARGETS.items():
        assert trained[key] >= floor, (key, trained)
    assert trained["false_rejection"] <= MAX_FALSE_REJECTION, trained
    assert record["accepted"] and trained["recall@1"] > base["recall@1"]
    assert len(record["trained"]["folds"]) == 5


def test_first_start_serves_the_fine_tuned_model(model_choice, engine):
    assert model_choice.trained, model_choice.reason
    card = model_choice.card
    folder = engine.settings.model_dir / f"trained-{card['key']}"
    assert model_choice.path == str(folder)
    assert card["key"] == shipped_record()["key"] and card["seed"] == TrainConfig().seed
    assert card["epochs"] == shipped_record()["final_epochs"]
    assert card["weights_sha256"] == file_sha256(folder / registry.WEIGHTS)
    assert card["onnx_agreement"] >= 0.99
    assert "Held-out figures" in (folder / "README.md").read_text()
    # The index names the fine-tuned model; search runs with the parameters fitted for it.
    # (by the folder's name and weights: the suite's index may be kept from an earlier run, whose
    # temporary model folder had another path)
    assert engine.index.manifest["model"] == engine.encoder.fingerprint
    assert engine.index.manifest["model"].startswith(f"{folder.name}@")
    assert engine.params == SearchParams.from_dict(shipped_record()["params"])
    assert engine.params != SearchParams()


def test_a_later_start_does_not_retrain(engine_settings, model_choice, monkeypatch):
    def no_training(*args, **kwargs):
        raise AssertionError("retrained although a model for this data exists")

    monkeypatch.setattr(prepare, "train_model", no_training)
    again = select_or_train(engine_settings)
    assert again.path == model_choice.path and again.trained


def test_base_model_still_selectable(engine_settings):
    off = EngineSettings(engine_settings.data_dir, engine_settings.index_dir, "", fine_tune="off",
                         model_dir=engine_settings.model_dir)
    choice = select_or_train(off)
    assert choice.path == engine_settings.model_path and not choice.trained
    # ... with the search parameters benchmarks/tune.py fitted for it, not hand-set constants
    assert registry.search_params_for(choice.path) == SearchParams.from_dict(shipped_record()["base_params"])
    with pytest.raises(ValueError, match="FINE_TUNE must be auto or off"):
        EngineSettings.from_env({"FINE_TUNE": "yes"})


def test_batches_never_hold_a_passage_or_question_twice():
    pairs = [Pair(f"q{i}", f"p{i % 5}", i // 2) for i in range(40)]
    batches = deal_batches(pairs, 8, random.Random(1))
    assert Counter(p for b in batches for p in b) == Counter(pairs)  # every pair once
    for batch in batches:
        assert len({p.passage for p in batch}) == len(batch)
        assert len({p.row for p in batch}) == len(batch)


def tiny_rows(settings: EngineSettings, n: int = 8) -> list[Row]:
    return [r for r in load_rows() if r.answerable and r.scope == "statements"][:n]


@pytest.mark.slow
def test_training_is_deterministic(engine_settings):
    corpus = corpus_of(engine_settings)
    rows = tiny_rows(engine_settings)
    config = TrainConfig(max_epochs=1)
    texts = ["Who helped Russia?", "Is NATO sending ships?"]
    said: list[str] = []
    first = fit(engine_settings.model_path, rows, corpus, config, epochs=1, report=said.append)[0].encode(texts)
    # The progress counts the real batches: it ends at its total, never past it ("19 of 18 steps").
    counts = [tuple(map(int, m.groups())) for m in map(re.compile(r"fine-tuning: (\d+) of (\d+)").match, said) if m]
    assert counts and counts[-1][0] == counts[-1][1] and all(done <= total for done, total in counts), said
    second = fit(engine_settings.model_path, rows, corpus, config, epochs=1)[0].encode(texts)
    other = fit(engine_settings.model_path, rows, corpus, TrainConfig(max_epochs=1, seed=7), epochs=1)[0].encode(texts)
    assert np.allclose(first, second, atol=1e-5)
    assert not np.allclose(first, other, atol=1e-4)


def test_gate_refuses_any_worse_figure():
    current = {"recall@1": 0.8, "recall@3": 0.9, "false_rejection": 0.05}
    assert gate(dict(current), current, "x")[0]
    ok, why = gate({**current, "recall@1": 0.95, "false_rejection": 0.06}, current, "the base model")
    assert not ok and "false_rejection 0.060 against 0.050" in why and "the base model" in why


@pytest.mark.slow
def test_worse_model_is_refused_and_not_retrained(tmp_path, engine_settings, monkeypatch, caplog):
    """Labels shuffled to the wrong passages: the fine-tuned model is worse on held-out questions,
    so it is refused, the base model keeps serving, and the verdict is cached. (The statement
    alone as the corpus: its questions need nothing else, and each fold's index builds fast.)"""
    data = tmp_path / "data"
    data.mkdir()
    for file in DATA.glob(STATEMENT_FILE.replace(".txt", ".*")):
        shutil.copy2(file, data / file.name)
    engine_settings = EngineSettings(data, tmp_path / "unused", "")
    corpus = corpus_of(engine_settings)
    good = [r for r in load_rows() if r.scope == "statements"]
    answerable = [r for r in good if r.answerable][:36]
    ids = sorted({r.expected[0] for r in answerable})
    shuffled = [Row(r.question, (ids[(ids.index(r.expected[0]) + 5) % len(ids)],), r.type) for r in answerable]
    rows = shuffled + [r for r in good if not r.answerable][:8]
    settings = EngineSettings(engine_settings.data_dir, tmp_path / "index", "", model_dir=tmp_path / "models")
    config = TrainConfig(max_epochs=2, folds=2, learning_rate=1e-4)
    with caplog.at_level(logging.WARNING, logger="embeddings.training.prepare"):
        choice = select_or_train(settings, rows, config=config)
    assert not choice.trained and choice.path == settings.model_path
    assert "refused: worse than the base model" in choice.reason
    assert "refused" in caplog.text
    (folder,) = settings.model_dir.glob("trained-*")
    card = read_card(folder)
    assert card["accepted"] is False and not (folder / registry.WEIGHTS).exists()
    key = data_key(model_fingerprint(settings.model_path), usable_rows(rows, corpus)[0], corpus, config)
    assert folder.name == f"trained-{key}"

    def no_training(*args, **kwargs):
        raise AssertionError("a refused model was trained again")

    monkeypatch.setattr(prepare, "train_model", no_training)
    assert select_or_train(settings, rows, config=config).reason == choice.reason


def test_a_new_labelled_set_is_judged_against_the_base_model_not_the_last_one(tmp_path, engine_settings,
                                                                             model_choice, monkeypatch):
    """The shipped labelled set grew: the model serving the old set has better held-out figures,
    but on other (fewer) questions, so they do not compare. The new model is judged against the
    base model on its own questions, and is trained. (A model extending the serving one with
    readers' feedback is compared with it: tests/test_feedback_e2e.py.)"""
    settings = EngineSettings(engine_settings.data_dir, tmp_path / "index", "", model_dir=tmp_path / "models")
    old = settings.model_dir / "trained-0123456789abcdef"
    shutil.copytree(model_choice.path, old)
    card = json.loads((old / registry.CARD).read_text())
    held = card["heldout"]["trained"]
    better = {**held["pooled"], "recall@1": 0.99, "recall@3": 1.0, "false_rejection": 0.0}
    card.update(key="0123456789abcdef", heldout={**card["heldout"], "trained": {**held, "pooled": better}})
    (old / registry.CARD).write_text(json.dumps(card))
    (settings.model_dir / registry.ACTIVE).write_text(json.dumps({"model": old.name}))

    def fit(*args, **kwargs):
        raise RuntimeError("stop here: the new model was accepted and training started")

    monkeypatch.setattr(fitting, "fit", fit)
    with pytest.raises(RuntimeError, match="training started"):
        select_or_train(settings)


def test_a_ready_model_is_chosen_while_another_process_holds_the_training_lock(engine_settings, model_choice):
    """A /reindex retrain:True in one shard holds the training lock for minutes; a shard starting
    meanwhile finds its ready model without waiting for the lock."""
    chosen = []
    with registry.training_lock(engine_settings.model_dir):
        worker = threading.Thread(target=lambda: chosen.append(select_or_train(engine_settings)), daemon=True)
        worker.start()
        worker.join(30)
        assert chosen, "select_model waited for the training lock although its model was ready"
    assert chosen[0].path == model_choice.path and chosen[0].trained


def test_changed_labels_train_again(tmp_path, engine_settings, model_choice, monkeypatch):
    """A model folder exists for the shipped rows; one more labelled question is new data."""
    settings = EngineSettings(engine_settings.data_dir, tmp_path / "index", "", model_dir=tmp_path / "models")
    shutil.copytree(model_choice.path, settings.model_dir / f"trained-{model_choice.card['key']}")
    calls = []

    def spy(settings, rows, corpus, config, key, folder, report, again, extra=None):
        calls.append((len(rows), key, folder.name))
        raise RuntimeError("stop here: training was started")

    monkeypatch.setattr(prepare, "train_model", spy)
    assert select_or_train(settings).trained and not calls  # same rows: the copied model serves
    extra = tmp_path / "more.jsonl"
    extra.write_text(json.dumps({"question": "Did NATO blame Minsk?", "expected": ["nato-2022-02-24#5"]}) + "\n")
    with pytest.raises(RuntimeError, match="training was started"):
        select_or_train(settings, load_rows([extra]))
    assert calls and calls[0][1] != model_choice.card["key"] and calls[0][0] == len(load_rows()) + 1


@pytest.mark.parametrize("damage", ["weights", "card", "tokenizer"])
def test_damaged_model_folder_is_named_and_trained_again(tmp_path, engine_settings, model_choice, monkeypatch,
                                                         caplog, damage):
    settings = EngineSettings(engine_settings.data_dir, tmp_path / "index", "", model_dir=tmp_path / "models")
    folder = settings.model_dir / f"trained-{model_choice.card['key']}"
    shutil.copytree(model_choice.path, folder)
    if damage == "weights":
        with open(folder / registry.WEIGHTS, "r+b") as fh:
            fh.seek(4096)
            fh.write(b"\x00" * 64)
    elif damage == "card":
        (folder / registry.CARD).write_text("{not json")
    else:
        (folder / "tokenizer.json").unlink()
    with pytest.raises(ModelDamaged, match=str(folder)):
        read_card(folder)
    calls = []

    def spy(settings, rows, corpus, config, key, folder, report, again, extra=None):
        calls.append(folder)
        return {"accepted": False, "reason": "not trained in this test", "base_path": settings.model_path}

    monkeypatch.setattr(prepare, "train_model", spy)
    with caplog.at_level(logging.WARNING, logger="embeddings.training.prepare"):
        select_or_train(settings)
    assert f"model folder {folder}" in caplog.text and "training it again" in caplog.text
    assert calls == [folder] and not folder.exists()
