"""Fit the multilingual path's no-answer threshold and write the file the code loads.

    .venv/bin/python benchmarks/tune_multilingual.py

On the shipped data/ (indexed in a temporary folder with multilingual vectors), the *fitting*
half of ``embeddings/eval/multilingual_questions.jsonl`` (the set was split in two by a hash of
each question before anything was fitted; the other half is only ever measured) gives the best
passage's cosine for each answerable and each off-topic question; the threshold is the one that
best separates them (most off-topic refused minus answerable refused; ties: the middle of the gap
they leave between the two groups). The
off-topic probe questions' level on the same index (the cosine 90% of the multilingual probes
stay under) is written beside it for the record; each index raises the threshold to its own level
of those probes where that is higher (embeddings/search/calibration.py). Writes
``embeddings/calibration/multilingual.json`` and prints what it wrote.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from embeddings.config import EngineSettings  # noqa: E402
from embeddings.encoders.multilingual import CALIBRATION_FILE  # noqa: E402
from embeddings.labels import load_rows  # noqa: E402
from embeddings.search.params import MULTILINGUAL_PROBE_FILE, PROBE_QUANTILE, probe_questions  # noqa: E402
from embeddings.service import Engine  # noqa: E402


def main() -> int:
    rows = [r for r in load_rows([ROOT / "embeddings/eval/multilingual_questions.jsonl"], shipped=False)
            if r.split == "fit"]
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns(".index"))
        shipped = EngineSettings.from_env()
        settings = EngineSettings.from_env({**os.environ, "DATA_DIR": str(data), "INDEX_DIR": str(Path(tmp) / "index"),
                                            "MODEL_DIR": str(shipped.model_dir), "MULTILINGUAL": "on"})
        engine = Engine(settings)
        engine.load()
        searcher = engine.searcher
        model = engine.multilingual
        numbers = searcher._scope_numbers("statements", None)
        matrix = np.asarray(engine.index.e5[numbers])

        def best(question: str) -> float:
            return float((matrix @ model.query(question)).max())

        answerable = [best(r.question) for r in rows if r.answerable]
        off = [best(r.question) for r in rows if r.type == "off-topic"]
        candidates = sorted(set(np.round(answerable + off, 4)))
        scored = [(np.mean([s < t for s in off]) - np.mean([s < t for s in answerable]), t) for t in candidates]
        gain = max(g for g, _ in scored)
        tied = [t for g, t in scored if g == gain]
        # The tied thresholds all separate the fitting rows alike: take the middle of the gap
        # they span (from just above the highest refused score to the lowest answered one).
        below = max([s for s in answerable + off if s < min(tied)], default=min(tied))
        threshold = (below + max(tied)) / 2
        probes = [best(q) for q in probe_questions(MULTILINGUAL_PROBE_FILE)]
        level = float(np.quantile(probes, PROBE_QUANTILE))
    out = {"threshold": round(float(threshold), 4), "probe_level": round(level, 4), "probes": len(probes),
           "fitted_on": f"{len(answerable)} answerable and {len(off)} off-topic questions, the fitting half of "
                        "embeddings/eval/multilingual_questions.jsonl, on data/",
           "separation": round(float(gain), 4), "when": time.strftime("%Y-%m-%d %H:%M")}
    (ROOT / "embeddings" / CALIBRATION_FILE).write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
