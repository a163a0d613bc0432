"""Fitting the search parameters on scored questions: the fusion weights, the no-answer model
(logistic regression on ``registry.ANSWER_FEATURES``), its threshold under a false-refusal
budget, the dense floor, and the confident level under which an answer is shown as tentative."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import product

import numpy as np

from embeddings import registry
from embeddings.corpus.text import normalise
from embeddings.labels import Row
from embeddings.search.fusion import Candidates, fuse
from embeddings.search.params import (
    SearchParams,
    calibrated_thresholds,
    confident_level,
    probe_level,
    probe_questions,
)
from embeddings.search.searcher import Searcher
from embeddings.training.evaluate import Outcome, metrics

FALSE_REFUSAL_BUDGET = 0.03

# The dense floor: the dense score below which this share (in %) of answerable fitting questions fall.
DENSE_FLOOR_PERCENTILE = 1.0

# Tentative answers: the answer probability below which this share (in %) of the answered,
# answerable fitting questions fall is the confident level (SearchParams.confident_threshold).
TENTATIVE_PERCENTILE = 10.0


@dataclass(frozen=True)
class Scored:
    """One labelled row scored through the pipeline by a model that never trained on it."""

    row: Row
    found: Candidates | None
    ids: list[str]  # passage id of each candidate


def score_rows(searcher: Searcher, rows: Sequence[Row]) -> list[Scored]:
    out = []
    for row, found in zip(rows, searcher.candidates_many([(normalise(r.question), r.scope) for r in rows]),
                          strict=True):
        ids = [] if found is None else [searcher.index.passages[int(n)].id for n in found.numbers]
        out.append(Scored(row, found, ids))
    return out


def probe_rows(scopes: Sequence[str]) -> list[Row]:
    """The off-topic probe questions (search.PROBE_FILE), once per scope."""
    return [Row(question, (), "probe", scope) for scope in scopes for question in probe_questions()]


def _probe_probabilities(probes: Sequence[Scored], params: SearchParams) -> dict[str, list[float]]:
    by_scope: dict[str, list[float]] = {}
    for s in probes:
        if s.found is not None and len(s.ids):
            by_scope.setdefault(s.row.scope, []).append(fuse(s.found, params, 1)[4]["probability"])
    return by_scope


def thresholds_for(probes: Sequence[Scored], params: SearchParams) -> dict[str, float]:
    """Per scope, the no-answer threshold a searcher calibrates for the index that scored the
    probes (Searcher.calibrate, done here from stored scores)."""
    return calibrated_thresholds(_probe_probabilities(probes, params), params)


def outcomes(scored: Sequence[Scored], params: SearchParams,
             thresholds: dict[str, float] | None = None) -> list[Outcome]:
    out = []
    for s in scored:
        if s.found is None or not len(s.ids):
            out.append(Outcome(s.row, [], False))
            continue
        threshold = (thresholds or {}).get(s.row.scope)
        order, _, _, answered, signals = fuse(s.found, params, 10, threshold)
        tentative = answered and signals["probability"] < confident_level(params, threshold)
        out.append(Outcome(s.row, [s.ids[i] for i in order], answered, tentative=tentative))
    return out


def fit_params(scored: Sequence[Scored], base: SearchParams | None = None,
               probes: Sequence[Scored] = ()) -> SearchParams:
    """Fusion weights by grid (best recall@1, then recall@3, then MRR; on a tie the first in
    grid order), then a logistic no-answer model over the search signals, and the strictest
    threshold that refuses at most ``FALSE_REFUSAL_BUDGET`` of the answerable rows it is fitted
    on, and a dense floor under which only ``DENSE_FLOOR_PERCENTILE`` % of them fall. The word
    signals drift as the library's vocabulary grows; the floor does not, so off-topic questions
    stay refused in a larger library (budget and floor chosen on the cross-validation and a
    library test, see docs/quality.md). ``probes`` (the off-topic probe questions scored by the
    same models) give the rule's reference level per scope, which a larger library's index is
    compared with when it is loaded (``Searcher.calibrate``); they are not fitted on."""
    from sklearn.linear_model import LogisticRegression

    base = base or SearchParams()
    answerable = [s for s in scored if s.row.answerable]
    best_key, best = None, base
    for a, w, sat in product((0.3, 0.5, 0.7), (0.4, 0.8, 1.2), (1.0, 2.0, 6.0)):
        params = replace(base, passage_weight=a, lexical_weight=w, lexical_saturation=sat)
        m = metrics(outcomes(answerable, params))
        key = (round(m["recall@1"], 9), round(m["recall@3"], 9), round(m["mrr"], 9))
        if best_key is None or key > best_key:
            best_key, best = key, params
    features, labels = [], []
    for s in scored:
        if s.found is None or not len(s.ids):
            continue
        _, _, _, _, signals = fuse(s.found, best, 1)
        features.append([signals[f] for f in registry.ANSWER_FEATURES])
        labels.append(int(s.row.answerable))
    x, y = np.array(features), np.array(labels)
    if len(set(labels)) < 2:  # nothing to separate: keep the rule as it was
        return best
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000).fit(x, y)
    best = replace(best, answer_bias=round(float(model.intercept_[0]), 4),
                   answer_weights=tuple((f, round(float(c), 4))
                                         for f, c in zip(registry.ANSWER_FEATURES, model.coef_[0])))
    z = best.answer_bias + x @ np.array([w for _, w in best.answer_weights])
    probability = 1 / (1 + np.exp(-np.clip(z, -50, 50)))
    chosen = None
    for threshold in np.arange(0.05, 0.951, 0.01):
        false_rejection = float(np.mean(probability[y == 1] < threshold))
        if false_rejection <= FALSE_REFUSAL_BUDGET:
            chosen = float(threshold)
    # The strictest threshold within the false-refusal budget; then the dense floor.
    best = replace(best, answer_threshold=round(chosen, 3) if chosen is not None else 0.5)
    dense = [fuse(s.found, best, 1)[4]["dense"] for s in scored
             if s.row.answerable and s.found is not None and len(s.ids)]
    floor = float(np.percentile(dense, DENSE_FLOOR_PERCENTILE)) if dense else 0.0
    best = replace(best, dense_floor=round(floor, 4))
    # Answers the fitted rows' answerable questions reach only rarely are tentative: the reply
    # names the nearest passage as only that (near-topic questions land there: docs/quality.md).
    answered_probabilities = probability[(y == 1) & (probability >= best.answer_threshold)]
    if len(answered_probabilities) and TENTATIVE_PERCENTILE:
        level = float(np.percentile(answered_probabilities, TENTATIVE_PERCENTILE))
        best = replace(best, confident_threshold=round(max(level, best.answer_threshold), 4))
    # Where the off-topic probes stand under this rule, on this corpus: the reference a larger
    # library's index is compared with (Searcher.calibrate).
    levels = {scope: probe_level(p) for scope, p in _probe_probabilities(probes, best).items()}
    return replace(best, probe_levels=tuple(sorted(levels.items())))
