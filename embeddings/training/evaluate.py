"""Answer quality on labelled questions: ``python -m embeddings evaluate``.

The shipped set (``eval/questions.jsonl``) holds paraphrased questions about the documents, each
with the passage(s) that answer it (``scope`` says whether the treaties are searched too), plus
off-topic and near-topic questions the corpus cannot answer. More rows can come from files
(``--questions FILE``, same format: one JSON object per line).

Two kinds of figure are printed:

* **held-out**: from the cross-validation of fine-tuning (``embeddings/train.py``): every row is
  scored by a model, and with search parameters, that never saw it. Base and trained model side
  by side, mean and spread over the folds. These are the honest figures.
* **all rows, current model**: the model now configured, through the pipeline, beside the plain
  dense baseline (one vector per paragraph, cosine ranking, the best single cosine cut-off). For
  a fine-tuned model these rows were its training data, so these figures are not held-out.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass

import numpy as np

from embeddings.labels import Row, load_rows, resolve_quotes
from embeddings.search.results import SCOPE_KINDS


@dataclass(frozen=True)
class Outcome:
    row: Row
    ranked: list[str]  # passage ids, best first
    answered: bool
    documents: tuple[str, ...] = ()  # of the hits, in order
    reason: str = ""
    tentative: bool = False  # answered with the nearest passage only, said to be only that


def metrics(outcomes: list[Outcome]) -> dict:
    answerable = [o for o in outcomes if o.row.answerable]
    off = [o for o in outcomes if o.row.type == "off-topic"]
    near = [o for o in outcomes if o.row.type == "near-topic"]

    def rank(o: Outcome) -> int | None:
        for i, pid in enumerate(o.ranked):
            if pid in o.row.expected:
                return i + 1
        return None

    ranks = [rank(o) for o in answerable]
    n = max(len(answerable), 1)
    return {
        "questions": len(answerable),
        "recall@1": sum(1 for r in ranks if r == 1) / n,
        "recall@3": sum(1 for r in ranks if r and r <= 3) / n,
        "mrr": sum(1 / r for r in ranks if r) / n,
        "off_topic_rejected": sum(not o.answered for o in off) / max(len(off), 1),
        "near_topic_rejected": sum(not o.answered for o in near) / max(len(near), 1),
        # refused, or answered with the nearest passage said to be only that
        "near_topic_told": sum(not o.answered or o.tentative for o in near) / max(len(near), 1),
        "tentative": sum(o.answered and o.tentative for o in answerable) / n,
        "unanswerable_rejected": sum(not o.answered for o in off + near) / max(len(off + near), 1),
        "false_rejection": sum(not o.answered for o in answerable) / n,
        **focus_metrics(outcomes),
    }


def focus_metrics(outcomes: list[Outcome]) -> dict:
    """For questions naming a date or a voice: the share answered with every one of the top
    three hits from the right documents, and the share of questions about a date no document
    has that were told so."""
    focused = [o for o in outcomes if o.row.documents and o.row.answerable]
    no_date = [o for o in outcomes if o.row.type == "no-date"]
    out = {}
    if focused:
        out["focus_questions"] = len(focused)
        out["focus_kept"] = sum(o.answered and bool(o.documents) and set(o.documents[:3]) <= set(o.row.documents)
                                for o in focused) / len(focused)
    if no_date:
        out["no_date_questions"] = len(no_date)
        out["no_date_explained"] = sum(o.reason == "no-date" for o in no_date) / len(no_date)
    misses = [o for o in outcomes if o.row.missed]
    if misses:  # readers' "Not helpful": how many still get a passage they turned down first
        out["known_misses"] = len(misses)
        out["misses_repeated"] = sum(bool(o.ranked) and o.ranked[0] in o.row.missed for o in misses) / len(misses)
    return out


def assign_folds(rows: list[Row], folds: int) -> list[int]:
    """A fold per row: stratified by gold passage (or by type for unanswerable rows), each
    group dealt round-robin in an order fixed by a hash of the question."""
    import hashlib
    from collections import defaultdict

    groups: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        groups[row.expected[0] if row.expected else f"none:{row.type}"].append(i)
    out = [0] * len(rows)
    start = 0
    for key in sorted(groups):
        members = sorted(groups[key], key=lambda i: hashlib.sha256(rows[i].question.encode()).hexdigest())
        for n, i in enumerate(members):
            out[i] = (start + n) % folds
        start += len(members)  # the next group starts where this one stopped: folds stay even
    return out


def run_pipeline(engine, rows: list[Row]) -> list[Outcome]:
    outcomes = []
    for row in rows:
        result = engine.ask(row.question, k=10, scope=row.scope)
        outcomes.append(Outcome(row, [h.passage.id for h in result.hits], result.answered,
                                tuple(h.passage.document for h in result.hits), result.reason,
                                result.tentative))
    return outcomes


def run_baseline(engine, rows: list[Row], folds: int = 5) -> list[Outcome]:
    """Plain dense search over whole passages with one cosine cut-off (for each fold, the one
    that best separates answerable from unanswerable rows of the other folds)."""
    index = engine.index
    numbers = np.asarray(index.unit_start[:-1])  # the first unit of each passage is the passage
    matrix = np.asarray(index.vectors[numbers])
    kinds = np.array([p.kind for p in index.passages])
    scored = []
    for row in rows:
        sims = matrix @ engine.encoder.encode_query(row.question)
        sims = np.where(np.isin(kinds, SCOPE_KINDS[row.scope]), sims, -np.inf)
        order = np.argsort(-sims)[:10]
        scored.append((row, [index.passages[i].id for i in order], float(sims[order[0]])))
    fold_of = assign_folds(rows, folds)
    out = []
    for fold in range(folds):
        others = [(r, top) for (r, _, top), f in zip(scored, fold_of) if f != fold]
        best_cut, best_gain = 0.0, -1.0
        for cut in np.arange(0.0, 0.8, 0.01):
            ans = [top >= cut for r, top in others if r.answerable]
            rej = [top < cut for r, top in others if not r.answerable]
            gain = sum(rej) / max(len(rej), 1) - (1 - sum(ans) / max(len(ans), 1))
            if gain > best_gain:
                best_cut, best_gain = float(cut), gain
        out += [Outcome(r, ranked, top >= best_cut) for (r, ranked, top), f in zip(scored, fold_of) if f == fold]
    return out


def evaluate(engine, rows: list[Row] | None = None, record: dict | None = None, *,
             training_rows: bool = True) -> dict:
    """Figures of the engine's current model on all rows, and the held-out figures of the
    cross-validation ``record`` (if given). ``training_rows``: these are the rows a fine-tuned
    model learnt from (the shipped set), so its figures on them are not held-out."""
    rows = load_rows() if rows is None else rows
    pipeline = run_pipeline(engine, rows)
    report: dict = {
        "model": engine.encoder.fingerprint,
        "trained_on_these_rows": training_rows and engine.model_info.get("trained", False),
        "current": {"pipeline": metrics(pipeline), "baseline": metrics(run_baseline(engine, rows)),
                    "by_language": {lang: metrics([o for o in pipeline if o.row.lang == lang])
                                    for lang in sorted({r.lang for r in rows}) if lang != "en"}},
        "heldout": None,
    }
    if record is not None:
        report["heldout"] = {
            "folds": record["config"]["folds"],
            "base": record["base"],
            "trained": record["trained"],
            "accepted": record["accepted"],
            "reason": record["reason"],
        }
    report["misses"] = [
        {"question": o.row.question, "expected": list(o.row.expected), "got": o.ranked[:3], "answered": o.answered}
        for o in pipeline
        if (o.row.answerable and (not o.answered or not o.ranked or o.ranked[0] not in o.row.expected))
        or (not o.row.answerable and o.answered)
    ]
    return report


FIGURES = ("recall@1", "recall@3", "mrr", "off_topic_rejected", "near_topic_rejected", "near_topic_told",
           "tentative", "false_rejection")


def format_report(report: dict) -> str:
    lines = []
    held = report.get("heldout")
    if held:
        n = held["trained"]["pooled"]["questions"]
        lines.append(f"held-out ({held['folds']}-fold cross-validation, {n} answerable questions; "
                     "mean ± spread over folds)")
        lines.append(f"  {'figure':<22}{'base model':>16}{'fine-tuned':>16}")
        for key in FIGURES:
            cells = [f"{held[m]['mean'][key]:.3f} ± {held[m]['std'][key]:.3f}" for m in ("base", "trained")]
            lines.append(f"  {key:<22}{cells[0]:>16}{cells[1]:>16}")
        lines.append(f"  fine-tuned model {held['reason']}")
        lines.append("")
    current = report["current"]
    n = current["pipeline"]["questions"]
    note = " (the model trained on these rows: not held-out)" if report["trained_on_these_rows"] else ""
    lines.append(f"all rows, current model {report['model']} ({n} answerable questions){note}")
    if not report["trained_on_these_rows"] and report.get("heldout") is None:
        lines[-1] += " (no model trained on these rows)"
    lines.append(f"  {'figure':<22}{'pipeline':>10}{'baseline':>10}")
    for key in FIGURES:
        lines.append(f"  {key:<22}{current['pipeline'][key]:>10.3f}{current['baseline'][key]:>10.3f}")
    for language, figures in sorted(current.get("by_language", {}).items()):
        lines.append(f"  {language}: recall@1 {figures['recall@1']:.3f}, recall@3 {figures['recall@3']:.3f}, "
                     f"off-topic refused {figures['off_topic_rejected']:.3f}, false refusal "
                     f"{figures['false_rejection']:.3f} ({figures['questions']} answerable)")
    pipeline = current["pipeline"]
    if "focus_kept" in pipeline:
        lines.append(f"  {'focus_kept':<22}{pipeline['focus_kept']:>10.3f}"
                     f"   ({pipeline['focus_questions']} questions naming a date or a speaker: answered, top 3 hits "
                     "all from the right documents)")
    if "misses_repeated" in pipeline:
        lines.append(f"  {'misses_repeated':<22}{pipeline['misses_repeated']:>10.3f}"
                     f"   ({pipeline['known_misses']} questions readers marked not helpful: the same passage first)")
    if "no_date_explained" in pipeline:
        lines.append(f"  {'no_date_explained':<22}{pipeline['no_date_explained']:>10.3f}"
                     f"   ({pipeline['no_date_questions']} questions about a date no document has)")
    return "\n".join(lines)


def main(engine, *, as_json: bool = False, show_misses: bool = False, questions: tuple[str, ...] = (),
         only: bool = False, split: str = "") -> int:
    """``python -m embeddings evaluate`` on an Engine (the command line makes it)."""
    rows = resolve_quotes(load_rows(questions, shipped=not only), engine.index)
    if split:
        rows = [r for r in rows if r.split == split]
    report = evaluate(engine, rows, None if only else engine.training_record(rows), training_rows=not only)
    if as_json:
        print(json.dumps(report if show_misses else {k: v for k, v in report.items() if k != "misses"}))
        return 0
    print(format_report(report))
    if show_misses:
        print("\nmisses (pipeline, current model):")
        for m in report["misses"]:
            print(f"  {m['question']!r} expected {m['expected']} got {m['got']} answered={m['answered']}")
    sys.stdout.flush()
    return 0
