"""Answer quality on the labelled set: ``python -m embeddings evaluate``.

The set (``eval/questions.jsonl``) holds paraphrased questions about the statement, each with the
passage(s) that answer it, plus off-topic and near-topic questions the corpus cannot answer.
Rows marked ``heldout`` were kept out of all tuning; their figures are the honest ones.

Every figure is printed for the product pipeline and, beside it, for the plain dense baseline:
one vector per paragraph, cosine ranking, and a single cosine cut-off (the best one on the
tuning rows, so the baseline is not set up to lose).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from importlib import resources

import numpy as np

SPLITS = ("tune", "heldout", "all")


@dataclass(frozen=True)
class Row:
    question: str
    expected: tuple[str, ...]
    type: str
    split: str

    @property
    def answerable(self) -> bool:
        return bool(self.expected)


def load_rows() -> list[Row]:
    text = resources.files("embeddings").joinpath("eval/questions.jsonl").read_text("utf-8")
    rows = []
    for line in text.splitlines():
        if line.strip():
            d = json.loads(line)
            rows.append(Row(d["question"], tuple(d["expected"]), d["type"], d["split"]))
    return rows


@dataclass(frozen=True)
class Outcome:
    row: Row
    ranked: list[str]  # passage ids, best first
    answered: bool


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
        "unanswerable_rejected": sum(not o.answered for o in off + near) / max(len(off + near), 1),
        "false_rejection": sum(not o.answered for o in answerable) / n,
    }


def run_pipeline(engine, rows: list[Row]) -> list[Outcome]:
    outcomes = []
    for row in rows:
        result = engine.ask(row.question, k=10, scope="statements")
        outcomes.append(Outcome(row, [h.passage.id for h in result.hits], result.answered))
    return outcomes


def run_baseline(engine, rows: list[Row]) -> list[Outcome]:
    """Plain dense search over whole paragraphs with one cosine cut-off."""
    index = engine.index
    statement = index.kinds["statement"]
    vectors = np.load(index.path / "vectors.npy", mmap_mode="r")
    first_unit: dict[int, int] = {}
    for unit, number in enumerate(index.unit_passage.tolist()):
        first_unit.setdefault(number, unit)
    numbers = list(range(statement.passage_offset, statement.passage_offset + statement.passage_count))
    matrix = np.stack([vectors[first_unit[n]] for n in numbers])
    scored = []
    for row in rows:
        q = engine.encoder.encode_query(row.question)
        sims = matrix @ q
        order = np.argsort(-sims)
        scored.append((row, [index.passages[numbers[i]].id for i in order[:10]], float(sims[order[0]])))
    # The cut-off that best separates answerable from unanswerable tuning rows.
    tune = [(r, top) for r, _, top in scored if r.split == "tune"]
    best_cut, best_gain = 0.0, -1.0
    for cut in np.arange(0.0, 0.8, 0.01):
        ans = [top >= cut for r, top in tune if r.answerable]
        rej = [top < cut for r, top in tune if not r.answerable]
        gain = sum(rej) / max(len(rej), 1) - (1 - sum(ans) / max(len(ans), 1))
        if gain > best_gain:
            best_cut, best_gain = float(cut), gain
    return [Outcome(r, ranked, top >= best_cut) for r, ranked, top in scored]


def evaluate(engine) -> dict:
    rows = load_rows()
    results = {"pipeline": run_pipeline(engine, rows), "baseline": run_baseline(engine, rows)}
    report: dict = {}
    for name, outcomes in results.items():
        report[name] = {
            split: metrics([o for o in outcomes if split == "all" or o.row.split == split])
            for split in SPLITS
        }
    report["misses"] = [
        {"question": o.row.question, "expected": list(o.row.expected), "got": o.ranked[:3],
         "answered": o.answered, "split": o.row.split}
        for o in results["pipeline"]
        if (o.row.answerable and (not o.answered or not o.ranked or o.ranked[0] not in o.row.expected))
        or (not o.row.answerable and o.answered)
    ]
    return report


FIGURES = ("recall@1", "recall@3", "mrr", "off_topic_rejected", "near_topic_rejected", "false_rejection")


def format_report(report: dict) -> str:
    lines = []
    for split in SPLITS:
        n = report["pipeline"][split]["questions"]
        lines.append(f"{split} ({n} answerable questions)")
        lines.append(f"  {'figure':<22}{'pipeline':>10}{'baseline':>10}")
        for key in FIGURES:
            lines.append(
                f"  {key:<22}{report['pipeline'][split][key]:>10.3f}{report['baseline'][split][key]:>10.3f}"
            )
    return "\n".join(lines)


def main(settings, *, as_json: bool = False, show_misses: bool = False) -> int:
    from .service import Engine

    report = evaluate(Engine(settings))
    if as_json:
        print(json.dumps(report if show_misses else {k: v for k, v in report.items() if k != "misses"}))
        return 0
    print(format_report(report))
    if show_misses:
        print("\nmisses (pipeline):")
        for m in report["misses"]:
            print(f"  [{m['split']}] {m['question']!r} expected {m['expected']} got {m['got']} "
                  f"answered={m['answered']}")
    sys.stdout.flush()
    return 0
