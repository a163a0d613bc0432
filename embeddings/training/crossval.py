"""Cross-validation of fine-tuning: folds trained and scored through the whole pipeline, search
parameters fitted on the other folds only, the figures summarised, and the gate that accepts a
model only if it is not worse on held-out questions."""

from __future__ import annotations

import math
import shutil
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from embeddings.corpus.documents import load_corpus
from embeddings.encoders.base import model_fingerprint
from embeddings.encoders.pytorch import Encoder
from embeddings.index.build import build_index
from embeddings.index.load import load_index
from embeddings.labels import Row
from embeddings.registry import TrainConfig, data_key, usable_rows
from embeddings.search.searcher import (
    Searcher,
)
from embeddings.training.evaluate import Outcome, assign_folds, metrics
from embeddings.training.fit import Report, fit, load_base, stop_sample
from embeddings.training.tuning import Scored, fit_params, outcomes, probe_rows, score_rows, thresholds_for

# The figures the gate compares: higher is better except false refusal.
GATE = (("recall@1", 1), ("recall@3", 1), ("false_rejection", -1))


def _summary(per_fold: list[dict], pooled: dict) -> dict:
    keys = ("recall@1", "recall@3", "mrr", "off_topic_rejected", "near_topic_rejected", "near_topic_told",
            "tentative", "false_rejection")
    return {
        "pooled": {k: round(pooled[k], 4) for k in (*keys, "questions")},
        "mean": {k: round(statistics.fmean(f[k] for f in per_fold), 4) for k in keys},
        "std": {k: round(statistics.pstdev(f[k] for f in per_fold), 4) for k in keys},
        "folds": [{k: round(f[k], 4) for k in keys} for f in per_fold],
    }


def held_out_outcomes(scored: Sequence[Scored], folds: Sequence[int], k: int,
                      probes: Sequence[Sequence[Scored]]) -> list[list[Outcome]]:
    """Per fold, its rows' outcomes: scored with search parameters fitted on the other folds, and
    with the thresholds its own model's index calibrates from the probes (``probes[fold]``)."""
    out = []
    for fold in range(k):
        fitted = fit_params([s for s, f in zip(scored, folds) if f != fold],
                            probes=[p for g in range(k) if g != fold for p in probes[g]])
        out.append(outcomes([s for s, f in zip(scored, folds) if f == fold], fitted,
                            thresholds_for(probes[fold], fitted)))
    return out


def nested_figures(scored: Sequence[Scored], folds: Sequence[int], k: int,
                   probes: Sequence[Sequence[Scored]]) -> dict:
    """Held-out figures, per fold and pooled (``held_out_outcomes``)."""
    per_fold = held_out_outcomes(scored, folds, k, probes)
    return _summary([metrics(got) for got in per_fold], metrics([o for got in per_fold for o in got]))


def _searcher_for(model, name: str, data_dir: Path, work: Path) -> Searcher:
    """An index of ``data_dir`` built with an in-memory model, and a searcher over it."""
    encoder = Encoder.from_model(model, name)
    index_dir = work / name
    build_index(data_dir, index_dir, encoder)
    return Searcher(load_index(index_dir, encoder.fingerprint, mmap=False), encoder, cache_size=0, calibrate=False)


@dataclass
class FoldScores:
    """Every labelled row scored out of fold, by the base model and by the fold's fine-tuned one."""

    rows: list[Row]
    folds: list[int]
    base: list[Scored]
    trained: list[Scored]
    base_probes: list[Scored]  # the probe questions scored by the base model
    trained_probes: list[list[Scored]]  # ... and by each fold's model
    best_epochs: list[int]
    dropped: list[str]
    key: str
    base_fingerprint: str


def score_folds(base_path: str, rows: Sequence[Row], data_dir: Path, config: TrainConfig, *,
                report: Report | None = None) -> FoldScores:
    """The expensive part of cross-validation: a fine-tuning and an index per fold."""
    say = report or (lambda _m: None)
    corpus = {p.id: p for p in load_corpus(data_dir).passages}
    rows, dropped = usable_rows(rows, corpus)
    folds = assign_folds(rows, config.folds)
    base_fp = model_fingerprint(base_path)
    scored_trained: list[Scored | None] = [None] * len(rows)
    best_epochs = []
    with tempfile.TemporaryDirectory(prefix="cv-") as tmp:
        work = Path(tmp)
        say("cross-validation: scoring the base model")
        scopes = sorted({r.scope for r in rows})
        base_searcher = _searcher_for(load_base(base_path), "base", data_dir, work)
        scored_base = score_rows(base_searcher, rows)
        base_probes = score_rows(base_searcher, probe_rows(scopes))
        trained_probes = []
        for fold in range(config.folds):
            others = [r for r, f in zip(rows, folds) if f != fold and r.answerable]
            stopping = set(stop_sample(others, config.stop_share))
            train_rows = [r for i, r in enumerate(others) if i not in stopping]
            stop_rows = [r for i, r in enumerate(others) if i in stopping]
            say(f"cross-validation: fold {fold + 1}/{config.folds} "
                f"({len(train_rows)} questions to train on, {len(stop_rows)} to stop on)")
            model, best_epoch, _ = fit(base_path, train_rows, corpus, config, valid=stop_rows, report=report)
            best_epochs.append(best_epoch)
            searcher = _searcher_for(model, f"fold{fold}", data_dir, work)
            held = [i for i, f in enumerate(folds) if f == fold]
            for i, s in zip(held, score_rows(searcher, [rows[i] for i in held])):
                scored_trained[i] = s
            trained_probes.append(score_rows(searcher, probe_rows(scopes)))
            shutil.rmtree(work / f"fold{fold}", ignore_errors=True)
    return FoldScores(rows, folds, scored_base, scored_trained, base_probes, trained_probes, best_epochs, dropped,
                      data_key(base_fp, rows, corpus, config), base_fp)


def cross_validate(
    base_path: str,
    rows: Sequence[Row],
    data_dir: Path,
    config: TrainConfig,
    *,
    report: Report | None = None,
) -> dict:
    """Run the cross-validation (steps 1 and 2 above) and return its record."""
    started = time.perf_counter()
    scores = score_folds(base_path, rows, data_dir, config, report=report)
    record = summarise(scores, config)
    record["seconds"] = round(time.perf_counter() - started, 1)
    if report:
        report(f"cross-validation done in {record['seconds']:.0f} s: {record['reason']}")
    return record


def summarise(scores: FoldScores, config: TrainConfig) -> dict:
    """The record of a cross-validation: held-out figures, the verdict, the final epochs and
    the search parameters for each model."""
    base_figures = nested_figures(scores.base, scores.folds, config.folds, [scores.base_probes] * config.folds)
    trained_figures = nested_figures(scores.trained, scores.folds, config.folds, scores.trained_probes)
    accepted, reason = gate(trained_figures["pooled"], base_figures["pooled"], "the base model")
    return {
        "key": scores.key,
        "base_model": scores.base_fingerprint,
        "config": config.to_dict(),
        "rows": len(scores.rows),
        "answerable": sum(r.answerable for r in scores.rows),
        "dropped_rows": scores.dropped,
        "best_epochs": scores.best_epochs,
        "final_epochs": max(1, math.ceil(statistics.median(scores.best_epochs))),
        "base": base_figures,
        "trained": trained_figures,
        "base_params": fit_params(scores.base, probes=scores.base_probes).to_dict(),
        "params": fit_params(scores.trained, probes=[p for fold in scores.trained_probes for p in fold]).to_dict(),
        "accepted": accepted,
        "reason": reason,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def gate(candidate: dict, current: dict, name: str) -> tuple[bool, str]:
    """Accept only if no gated figure is worse than the current model's."""
    worse = [
        f"{key} {candidate[key]:.3f} against {current[key]:.3f}"
        for key, sign in GATE
        if sign * (candidate[key] - current[key]) < -1e-9
    ]
    figures = ", ".join(f"{key} {current[key]:.3f} -> {candidate[key]:.3f}" for key, _ in GATE)
    if worse:
        return False, f"refused: worse than {name} on held-out questions ({'; '.join(worse)})"
    return True, f"accepted: not worse than {name} on held-out questions ({figures})"
