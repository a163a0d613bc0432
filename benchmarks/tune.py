"""Tune the search on the *tuning* rows of the labelled set; the held-out rows are never read.

    .venv/bin/python benchmarks/tune.py

1. Grid over the fusion weights, keeping the setting with the best recall@1 (then recall@3).
2. A logistic model for "answer or not" over the search signals, fitted on the tuning rows.
Prints the values to put in embeddings.search.SearchParams.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
from sklearn.linear_model import LogisticRegression

from embeddings.config import EngineSettings
from embeddings.evaluate import load_rows
from embeddings.search import Searcher, SearchParams
from embeddings.service import Engine

FEATURES = ("dense", "lexical", "unknown", "unknown_year")


def main() -> None:
    engine = Engine(EngineSettings.from_env())
    rows = [r for r in load_rows() if r.split == "tune"]
    answerable = [r for r in rows if r.answerable]
    base = SearchParams()
    best = None
    for a, w, sat in itertools.product([0.3, 0.5, 0.7], [0.4, 0.8, 1.2], [1.0, 2.0, 6.0]):
        params = replace(base, passage_weight=a, lexical_weight=w, lexical_saturation=sat)
        searcher = Searcher(engine.index, engine.encoder, params)
        r1 = r3 = 0
        for row in answerable:
            ids = [h.passage.id for h in searcher.search(row.question, k=3).hits]
            r1 += ids[:1] and ids[0] in row.expected
            r3 += any(i in row.expected for i in ids)
        key = (r1, r3)
        if best is None or key > best[0]:
            best = (key, params)
        print(f"a={a} w={w} sat={sat}: recall@1 {r1 / len(answerable):.3f} "
              f"recall@3 {r3 / len(answerable):.3f}")
    params = best[1]
    print("best fusion:", params)
    searcher = Searcher(engine.index, engine.encoder, params)
    X, y, kinds = [], [], []
    for row in rows:
        signals = searcher.search(row.question, k=3).signals
        X.append([signals[f] for f in FEATURES])
        y.append(int(row.answerable))
        kinds.append(row.type)
    # Unanswerable rows are fewer; weigh the classes equally. C kept small: few rows.
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000).fit(np.array(X), np.array(y))
    weights = tuple((f, round(float(c), 2)) for f, c in zip(FEATURES, model.coef_[0]))
    print("answer_bias =", round(float(model.intercept_[0]), 2))
    print("answer_weights =", weights)
    # The threshold: as strict as possible while at most 5% of answerable questions are refused.
    probability = model.predict_proba(np.array(X))[:, 1]
    chosen = 0.5
    for threshold in np.arange(0.05, 0.95, 0.025):
        answered = probability >= threshold
        false_rejection = np.mean([not a for a, t in zip(answered, y) if t])
        off = np.mean([not a for a, k in zip(answered, kinds) if k == "off-topic"])
        near = np.mean([not a for a, k in zip(answered, kinds) if k == "near-topic"])
        print(f"threshold {threshold:.3f}: false rejection {false_rejection:.3f} off-topic rejected {off:.3f} "
              f"near-topic rejected {near:.3f}")
        if false_rejection <= 0.05 and off >= 0.9:
            chosen = float(threshold)
    print("answer_threshold =", round(chosen, 3))


if __name__ == "__main__":
    main()
