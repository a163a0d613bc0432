"""Fine-tuning the encoder on labelled questions, with honest (cross-validated) figures.

The procedure, for labelled rows ``question -> gold passage(s)``:

1. **Cross-validation.** The rows are dealt into ``folds`` folds (stratified by gold passage, in
   an order fixed by a hash of the question). For each fold: train on the other folds less a
   sixth of them, stop early on that sixth (rows it does not train on), and score the held-out
   fold through the real pipeline (dense + sentences + BM25 + no-answer rule) with an index
   built by that fold's model. The fusion weights and the no-answer rule scoring a fold are fitted on the *other*
   folds' out-of-fold questions, so no figure comes from a row that took part in fitting it.
   The base model goes through the same scoring, so the two are compared on equal terms.
2. **The gate.** The trained model is used only if its held-out recall@1 and recall@3 are not
   lower and its false refusal not higher than the base model's; otherwise it is refused, and
   the reason is recorded.
3. **The shipped model** trains on all rows for the number of epochs early stopping chose in
   the folds (median), with search parameters fitted on every out-of-fold question.

Cross-validation costs a few minutes on two cores, so its record for the shipped labelled set is
committed (``eval/training.json``, stamped with the data, base model and settings it belongs to;
``benchmarks/tune.py`` rewrites it). A first start then only trains the final model. Any other
labelled data (``--questions FILE``, feedback) runs the cross-validation itself.

Training uses in-batch negatives (MultipleNegativesRankingLoss): each question against every
passage of its batch, with batches that never hold the same passage or question twice and a mask
that never counts one of a question's own gold passages as a negative.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from importlib import resources
from itertools import product
from pathlib import Path

import numpy as np

from .build import build_index
from .documents import load_corpus
from .encoder import Encoder
from .evaluate import Outcome, Row, assign_folds, metrics
from .index import load_index, passage_units
from .modelfiles import model_fingerprint, offline
from .progress import Progress
from .records import Passage
from .search import (
    Candidates,
    Searcher,
    SearchParams,
    calibrated_thresholds,
    confident_level,
    fuse,
    probe_level,
    probe_questions,
)
from .text import normalise

log = logging.getLogger(__name__)

Report = Callable[[str], None]
SHIPPED_RECORD = "eval/training.json"
# The figures the gate compares: higher is better except false refusal.
GATE = (("recall@1", 1), ("recall@3", 1), ("false_rejection", -1))
# The no-answer model's signals. The share of unknown words was one too, and dropped: it refused
# paraphrases the fine-tuned model answers well, and it drifts most as the library grows
# (docs/quality.md compares the feature sets on the cross-validation).
ANSWER_FEATURES = ("dense", "lexical", "unknown_year")
RULE_VERSION = 3  # of how search parameters are fitted: part of the data key, so a change refits
FALSE_REFUSAL_BUDGET = 0.03
# The dense floor: the dense score below which this share (in %) of answerable fitting questions fall.
DENSE_FLOOR_PERCENTILE = 1.0
# Tentative answers: the answer probability below which this share (in %) of the answered,
# answerable fitting questions fall is the confident level (SearchParams.confident_threshold).
TENTATIVE_PERCENTILE = 10.0


@dataclass(frozen=True)
class TrainConfig:
    """How the encoder is fine-tuned. Part of the cache key: change a value and it retrains."""

    max_epochs: int = 8
    patience: int = 2  # epochs without a better validation MRR before stopping
    learning_rate: float = 4e-5
    batch_size: int = 32
    scale: float = 20.0  # MultipleNegativesRankingLoss: cosine * scale are the logits
    warmup: float = 0.1  # share of steps with a linearly rising learning rate
    seed: int = 13
    folds: int = 5
    stop_share: float = 1 / 6  # of a fold's training rows, kept aside to stop early on

    def to_dict(self) -> dict:
        return asdict(self)


# --------------------------------------------------------------------------- data


def embedding_text(passage: Passage) -> str:
    """The text a passage is embedded as (its first unit), so training sees what search sees."""
    return passage_units(passage)[0]


def usable_rows(rows: Sequence[Row], passages: dict[str, Passage]) -> tuple[list[Row], list[str]]:
    """Rows whose gold passages all exist in the corpus; the others are named and dropped. A
    reader's "Not helpful" (a known miss) says which passage is wrong, not whether to answer, so
    it is left to evaluate."""
    kept, dropped = [], []
    for row in rows:
        if row.missed:
            continue
        missing = [e for e in row.expected if e not in passages]
        if missing:
            dropped.append(f"{row.question!r}: unknown passage {', '.join(missing)}")
        else:
            kept.append(row)
    return kept, dropped


def data_key(base_fingerprint: str, rows: Sequence[Row], passages: dict[str, Passage],
             config: TrainConfig) -> str:
    """Identity of one training run: base model, settings, rows and the gold passages' text.

    Other passages do not enter: adding a document to ``data/`` does not retrain."""
    digest = hashlib.sha256()
    digest.update(base_fingerprint.encode())
    digest.update(json.dumps(config.to_dict(), sort_keys=True).encode())
    digest.update(json.dumps([RULE_VERSION, ANSWER_FEATURES, probe_questions()]).encode())
    for row in sorted(rows, key=lambda r: (r.question, r.expected)):
        digest.update(json.dumps([row.question, list(row.expected), row.scope, row.type]).encode())
        for pid in row.expected:
            digest.update(hashlib.sha256(embedding_text(passages[pid]).encode()).digest())
    return digest.hexdigest()[:16]


def stop_sample(rows: Sequence[Row], share: float) -> list[int]:
    """Indices of about ``share`` of the rows, spread over gold passages, to stop early on."""
    folds = assign_folds(list(rows), max(2, round(1 / share)))
    return [i for i, f in enumerate(folds) if f == 0]


# --------------------------------------------------------------------------- fitting


@dataclass(frozen=True)
class _Pair:
    question: str
    passage: str  # passage id
    row: int


def _batches(pairs: list[_Pair], size: int, rng: random.Random) -> list[list[_Pair]]:
    """Shuffled batches in which no passage and no question appears twice."""
    pending = pairs[:]
    rng.shuffle(pending)
    batches = []
    while pending:
        batch, rest, passages, questions = [], [], set(), set()
        for pair in pending:
            if len(batch) < size and pair.passage not in passages and pair.row not in questions:
                batch.append(pair)
                passages.add(pair.passage)
                questions.add(pair.row)
            else:
                rest.append(pair)
        batches.append(batch)
        pending = rest
    return batches


def load_base(path: str):
    offline()
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(path, device="cpu")


def fit(
    base_path: str,
    rows: Sequence[Row],
    passages: dict[str, Passage],
    config: TrainConfig,
    *,
    valid: Sequence[Row] = (),
    epochs: int | None = None,
    report: Report | None = None,
):
    """Fine-tune a copy of the base model on ``rows``. With ``valid`` rows, stop early when
    their MRR has not improved for ``patience`` epochs and keep the best epoch's weights.

    Returns (model, best epoch, history of (epoch, loss, validation MRR))."""
    import torch

    random.seed(config.seed)
    np.random.seed(config.seed)
    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)
    model = load_base(base_path)
    pairs = [_Pair(row.question, pid, i) for i, row in enumerate(rows) for pid in row.expected]
    golds = [set(row.expected) for row in rows]
    texts = {pid: embedding_text(passages[pid]) for pid in passages}
    total_epochs = epochs or config.max_epochs
    # Every epoch's batches, dealt up front (the same sequence as dealing each at its epoch). A
    # batch never holds a passage twice, so there are more batches than pairs / batch size.
    epoch_batches = [_batches(pairs, config.batch_size, rng) for _ in range(total_epochs)]
    # The learning-rate schedule spans the nominal steps (pairs / batch size), as the committed
    # record was measured with. It reaches zero well before the last batch (shipped set: 18 of 46
    # steps for 2 epochs), so later batches leave the weights as they are; spanning the real
    # batches is a change to measure by cross-validation (docs/quality.md, "What would move it").
    steps = total_epochs * math.ceil(len(pairs) / config.batch_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate)
    warmup = max(1, int(steps * config.warmup))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup)))
    )

    def embed(batch_texts: list[str]):
        features = (getattr(model, "preprocess", None) or model.tokenize)(batch_texts)
        return torch.nn.functional.normalize(model(features)["sentence_embedding"], dim=-1)

    best_state, best_mrr, best_epoch, stale = None, -1.0, total_epochs, 0
    history = []
    # Steps done of the most this run takes (early stopping may end it sooner), every 10 s.
    counter = Progress(report, "fine-tuning", sum(map(len, epoch_batches)), "steps", every=10.0)
    for epoch, batches in enumerate(epoch_batches, start=1):
        model.train()
        losses = []
        for batch in batches:
            counter.add()
            q = embed([p.question for p in batch])
            d = embed([texts[p.passage] for p in batch])
            logits = config.scale * q @ d.T
            # A question's other gold passages in the batch are not negatives.
            mask = torch.tensor([[j != i and batch[j].passage in golds[batch[i].row]
                                  for j in range(len(batch))] for i in range(len(batch))])
            logits = logits.masked_fill(mask, float("-inf"))
            loss = torch.nn.functional.cross_entropy(logits, torch.arange(len(batch)))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            losses.append(loss.item())
        mean_loss = float(np.mean(losses)) if losses else 0.0
        mrr = _dense_mrr(model, valid, passages) if valid else None
        history.append((epoch, round(mean_loss, 4), None if mrr is None else round(mrr, 4)))
        if report:
            report(f"epoch {epoch}/{total_epochs}: loss {mean_loss:.3f}"
                   + ("" if mrr is None else f", validation MRR {mrr:.3f}"))
        if mrr is None:
            continue
        if mrr > best_mrr + 1e-6:
            best_mrr, best_epoch, stale = mrr, epoch, 0
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            stale += 1
            if stale >= config.patience:
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return model, best_epoch, history


def _dense_mrr(model, rows: Sequence[Row], passages: dict[str, Passage]) -> float:
    """MRR of plain dense retrieval (whole passages, the row's scope) with ``model``."""
    import torch

    model.eval()
    ids = list(passages)
    with torch.no_grad():
        vectors = model.encode([embedding_text(passages[i]) for i in ids], batch_size=32,
                               normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        questions = model.encode([r.question for r in rows], batch_size=32, normalize_embeddings=True,
                                 convert_to_numpy=True, show_progress_bar=False)
    kinds = np.array([passages[i].kind for i in ids])
    total = 0.0
    for row, q in zip(rows, questions):
        sims = vectors @ q
        if row.scope == "statements":
            sims = np.where(kinds == "statement", sims, -np.inf)
        order = np.argsort(-sims)
        for rank, n in enumerate(order[:10], start=1):
            if ids[n] in row.expected:
                total += 1 / rank
                break
    return total / max(len(rows), 1)


# --------------------------------------------------------------------------- scoring


@dataclass(frozen=True)
class Scored:
    """One labelled row scored through the pipeline by a model that never trained on it."""

    row: Row
    found: Candidates | None
    ids: list[str]  # passage id of each candidate


def score_rows(searcher: Searcher, rows: Sequence[Row]) -> list[Scored]:
    out = []
    for row in rows:
        found = searcher.candidates(normalise(row.question), row.scope)
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
        features.append([signals[f] for f in ANSWER_FEATURES])
        labels.append(int(s.row.answerable))
    x, y = np.array(features), np.array(labels)
    if len(set(labels)) < 2:  # nothing to separate: keep the rule as it was
        return best
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000).fit(x, y)
    best = replace(best, answer_bias=round(float(model.intercept_[0]), 4),
                   answer_weights=tuple((f, round(float(c), 4)) for f, c in zip(ANSWER_FEATURES, model.coef_[0])))
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


# --------------------------------------------------------------------------- cross-validation


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


def shipped_record() -> dict | None:
    """The committed cross-validation record of the shipped labelled set, if any."""
    try:
        return json.loads(resources.files("embeddings").joinpath(SHIPPED_RECORD).read_text("utf-8"))
    except (FileNotFoundError, ValueError):
        return None


def save_model(model, folder: Path) -> None:
    model.save(str(folder))
    # sentence-transformers writes a generic README; the model card is written separately.
    (folder / "README.md").unlink(missing_ok=True)
