"""Cross-validate fine-tuning on the shipped labelled questions and write the record the code
loads: ``embeddings/eval/training.json`` (held-out figures of the base and the fine-tuned model,
the gate's verdict, the epochs for the final model, and the search parameters fitted for each).

    .venv/bin/python benchmarks/tune.py

Takes several minutes on two cores (five folds, each a fine-tuning and an index build). The
record is stamped with the key of the data, base model and settings it belongs to; a first start
with exactly that data reuses it and only trains the final model. The fusion weights are chosen
by grid (best recall@1, then recall@3, then MRR; on a tie the first in grid order), the no-answer
rule is a logistic model with the strictest threshold that refuses at most 5% of the answerable
questions; see ``embeddings/train.py``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from embeddings.config import EngineSettings
from embeddings.evaluate import load_rows
from embeddings.train import SHIPPED_RECORD, TrainConfig, cross_validate

OUT = Path(__file__).resolve().parent.parent / "embeddings" / SHIPPED_RECORD


def main() -> None:
    settings = EngineSettings.from_env()
    record = cross_validate(settings.model_path, load_rows(), settings.data_dir, TrainConfig(),
                            report=lambda m: print(m, file=sys.stderr, flush=True))
    OUT.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    for name in ("base", "trained"):
        figures = record[name]
        print(name, {k: f"{figures['mean'][k]:.3f} ± {figures['std'][k]:.3f}" for k in figures["mean"]})
    print(record["reason"])
    print(f"written {OUT}")


if __name__ == "__main__":
    main()
