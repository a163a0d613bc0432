"""Learning new documents without labels, by pseudo-queries (issue #23): the bundled MiniLM is
fine-tuned as the served model is (the labelled statement questions, the committed record's
epochs and search parameters), plus questions made from the library's own documents, which nobody
labelled. The model is written to --out; benchmarks/fair.py --model scores it. Measures, never
asserts; the product loads nothing from here.

    .venv/bin/python benchmarks/pseudo.py --kind ict --out /tmp/pseudo-ict
    .venv/bin/python benchmarks/fair.py --set dev --model /tmp/pseudo-ict

Kinds of pseudo-query (each passage of a statement no labelled question is about):

* ``ict``: one of its sentences, as the query for the rest of the passage (the inverse cloze task
  of Lee et al., 2019): the model learns what the sentences of these documents sit beside;
* ``keywords``: a sentence's rarest words in the library (up to six), as a reader types a topic;
* ``title``: the document's title, for its first passage.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from fair import library_data  # noqa: E402

from embeddings.config import EngineSettings  # noqa: E402
from embeddings.corpus.documents import load_corpus  # noqa: E402
from embeddings.corpus.text import STOPWORDS, sentences, words  # noqa: E402
from embeddings.labels import Row, load_rows  # noqa: E402

KEYWORDS = 6


def pseudo_rows(passages, labelled: set[str], kinds: set[str], seed: int = 13):
    """(rows, extra passages): pseudo-queries for the statements no labelled row is about; an
    ``ict`` row's passage is the passage less its query sentence, under a new id."""
    rng = random.Random(seed)
    counts: dict[str, int] = {}
    for p in passages:
        for w in set(words(p.text)):
            counts[w] = counts.get(w, 0) + 1
    rows, extra, seen_docs = [], {}, set()
    for p in passages:
        if p.kind != "statement" or p.document in labelled:
            continue
        if "title" in kinds and p.document not in seen_docs:
            seen_docs.add(p.document)
            rows.append(Row(p.title, (p.id,), "pseudo"))
        parts = sentences(p.text)
        if len(parts) < 2:
            continue
        chosen = rng.randrange(len(parts))
        if "ict" in kinds:
            rest = " ".join(s for i, s in enumerate(parts) if i != chosen)
            extra[f"{p.id}~ict"] = replace(p, id=f"{p.id}~ict", text=rest)
            rows.append(Row(parts[chosen], (f"{p.id}~ict",), "pseudo"))
        if "keywords" in kinds:
            found = [w for w in dict.fromkeys(words(parts[chosen])) if w not in STOPWORDS and len(w) > 2]
            rare = sorted(found, key=lambda w: counts.get(w, 0))[:KEYWORDS]
            if len(rare) >= 2:
                rows.append(Row(" ".join(w for w in found if w in rare), (p.id,), "pseudo"))
    return rows, extra


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kind", default="ict", help="comma-separated: ict, keywords, title")
    parser.add_argument("--out", required=True, help="folder the model is written to")
    args = parser.parse_args()
    from embeddings.registry import TrainConfig
    from embeddings.search.params import SearchParams
    from embeddings.training.fit import fit, save_model

    settings = EngineSettings.from_env()
    record = json.loads((ROOT / "embeddings" / "eval" / "training.json").read_text("utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        report = load_corpus(library_data(Path(tmp) / "data"))
    passages = {p.id: p for p in report.passages}
    labelled_rows = [r for r in load_rows() if r.answerable and all(e in passages for e in r.expected)]
    labelled = {passages[e].document for r in labelled_rows for e in r.expected}
    made, extra = pseudo_rows(report.passages, labelled, set(args.kind.split(",")))
    print(f"{len(labelled_rows)} labelled questions, {len(made)} pseudo-queries ({args.kind}) from "
          f"{len({passages[r.expected[0].split('~')[0]].document for r in made})} unlabelled documents")
    for row in made[:3]:
        print(f"  e.g. {row.question[:100]!r} -> {row.expected[0]}")
    config = TrainConfig()
    # The record's epochs are for its rows; more rows, the same number of passes over them.
    started = time.perf_counter()
    model, _, history = fit(settings.model_path, labelled_rows + made, {**passages, **extra}, config,
                            epochs=record["final_epochs"], report=print)
    seconds = time.perf_counter() - started
    save_model(model, Path(args.out))
    (Path(args.out) / SearchParams.FILE).write_text(json.dumps(record["params"]), encoding="utf-8")
    per_100 = 100 * seconds / max(1, len({r.expected[0].split("~")[0] for r in made}))
    print(f"trained in {seconds:.0f} s on {os.cpu_count()} cores ({per_100:.0f} s per 100 passages given "
          f"pseudo-queries); history {history}; model in {args.out}")
    print(f"steps per epoch: {math.ceil((len(labelled_rows) + len(made)) / config.batch_size)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
