"""Cross-validate fine-tuning on the shipped labelled questions and write the record the code
loads: ``embeddings/eval/training.json`` (held-out figures of the base and the fine-tuned model,
the gate's verdict, the epochs for the final model, and the search parameters fitted for each).

    .venv/bin/python benchmarks/tune.py [--scores FILE] [--config KEY=VALUE ...] [--approach A]

``--scores FILE`` keeps the expensive part (every fold's fine-tuning and index, as scored
questions) in FILE, and reuses it when FILE exists: a change to how search parameters are fitted
is then re-measured in seconds. Delete FILE after changing the data, the model or the training.
``--config folds=10`` (any TrainConfig field) measures other training settings: it prints the
figures and writes nothing. After the figures it prints them by scope (statement questions, and
questions that search every document), fine-tuned and base.

Takes several minutes on two cores (five folds, each a fine-tuning and an index build). The
record is stamped with the key of the data, base model and settings it belongs to; a first start
with exactly that data reuses it and only trains the final model. The fusion weights are chosen
by grid (best recall@1, then recall@3, then MRR; on a tie the first in grid order), the no-answer
rule is a logistic model with the strictest threshold that refuses at most 3% of the answerable
questions; see ``embeddings/training/``.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from dataclasses import fields, replace
from pathlib import Path

from fair import APPROACHES  # benchmarks/fair.py: this folder is on the path when this runs

from embeddings import registry
from embeddings.config import EngineSettings
from embeddings.index import build
from embeddings.labels import load_rows
from embeddings.registry import SHIPPED_RECORD, TrainConfig, training_data
from embeddings.training import tuning
from embeddings.training.crossval import held_out_outcomes, score_folds, summarise
from embeddings.training.evaluate import metrics

SIGNALS = ("dense", "lexical", "unknown", "unknown_year")

OUT = Path(__file__).resolve().parent.parent / "embeddings" / SHIPPED_RECORD


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scores", type=Path, help="keep (or reuse) the fold scores in this file")
    parser.add_argument("--features", help="compare: the no-answer model's signals, comma-separated "
                        f"(of {', '.join(SIGNALS)}); prints the figures and writes nothing")
    parser.add_argument("--tentative", type=float, metavar="PERCENT",
                        help="compare: the share of answered fitting questions under the confident level "
                        f"(shipped {tuning.TENTATIVE_PERCENTILE:g}); prints the figures and writes nothing")
    parser.add_argument("--config", nargs="+", metavar="KEY=VALUE", default=[],
                        help="compare: other training settings (TrainConfig fields); prints the figures, "
                        "writes nothing")
    parser.add_argument("--approach", choices=list(APPROACHES), default="served",
                        help="compare: index passages another way (benchmarks/fair.py); prints, writes nothing")
    args = parser.parse_args()
    for name, function in APPROACHES[args.approach].items():
        setattr(build, name, function)
    settings = EngineSettings.from_env()
    config = TrainConfig()
    names = [f.name for f in fields(TrainConfig)]
    for item in args.config:
        key, _, value = item.partition("=")
        if key not in names:
            parser.error(f"--config: {key!r} is not one of {', '.join(names)}")
        config = replace(config, **{key: type(getattr(config, key))(value)})
    experiment = bool(args.features or args.config or args.tentative is not None or args.approach != "served")
    if args.tentative is not None:
        tuning.TENTATIVE_PERCENTILE = args.tentative
    started = time.perf_counter()
    reused = bool(args.scores and args.scores.exists())
    if reused:
        scores = pickle.loads(args.scores.read_bytes())
        scores.key = training_data(settings, None, config)[0][2]  # the rule may have changed
        print(f"reusing the fold scores in {args.scores}", file=sys.stderr)
    else:
        scores = score_folds(settings.model_path, load_rows(), settings.data_dir, config,
                             report=lambda m: print(m, file=sys.stderr, flush=True))
        if args.scores:
            args.scores.write_bytes(pickle.dumps(scores))
    if args.features:
        registry.ANSWER_FEATURES = tuple(f.strip() for f in args.features.split(","))
        if not set(registry.ANSWER_FEATURES) <= set(SIGNALS):
            parser.error(f"--features: choose from {', '.join(SIGNALS)}")
    record = summarise(scores, config)
    record["seconds"] = round(time.perf_counter() - started, 1)
    if args.scores and reused:
        record["fold_scores"] = "reused from an earlier run of benchmarks/tune.py --scores (same data and training)"
    if not experiment:
        OUT.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    for name in ("base", "trained"):
        figures = record[name]
        print(name, {k: f"{figures['mean'][k]:.3f} ± {figures['std'][k]:.3f}" for k in figures["mean"]})
    print(record["reason"])
    for name, scored, probes in (("trained", scores.trained, scores.trained_probes),
                                 ("base", scores.base, [scores.base_probes] * config.folds)):
        by_scope: dict[str, list] = {}
        for fold in held_out_outcomes(scored, scores.folds, config.folds, probes):
            for outcome in fold:
                if outcome.row.answerable:
                    by_scope.setdefault(outcome.row.scope, []).append(outcome)
        answered = [o for fold in held_out_outcomes(scored, scores.folds, config.folds, probes) for o in fold
                    if o.row.answerable and o.answered]
        for label, group in (("tentative", [o for o in answered if o.tentative]),
                             ("confident", [o for o in answered if not o.tentative])):
            right = sum(bool(o.ranked) and o.ranked[0] in o.row.expected for o in group)
            print(f"{name}, {label} answers: {len(group)}, right passage first {right}")
        for scope, outcomes in sorted(by_scope.items()):
            m = metrics(outcomes)
            print(f"{name}, scope {scope}: {len(outcomes)} questions, recall@1 {m['recall@1']:.3f}, "
                  f"recall@3 {m['recall@3']:.3f}")
    if args.features:
        print(f"features {', '.join(registry.ANSWER_FEATURES)}; pooled:",
              {k: record[n]["pooled"][k] for n in ("trained",) for k in ("near_topic_rejected", "false_rejection")})
    elif not experiment:
        print(f"written {OUT}")


if __name__ == "__main__":
    main()
