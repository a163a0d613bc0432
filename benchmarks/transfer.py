"""Does fine-tuning on how readers asked about some documents carry to documents nobody asked
about? (issue #23, "the spent sets as training data"). The bundled MiniLM is fine-tuned as the
served model is (the labelled statement questions, the committed record's epochs and search
parameters), plus the English answerable questions of the spent library sets (written by helpers,
already run as tests). The model is written to --out; benchmarks/fair.py --model scores it on a
set whose documents no training question is about. Measures, never asserts; the product loads
nothing from here.

    .venv/bin/python benchmarks/transfer.py --sets dev,final,reserve,reserve2,reserve3,reserve4 --out /tmp/tr
    .venv/bin/python benchmarks/fair.py --set reserve6 --model /tmp/tr
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from fair import FRESH, added_documents, library_data, question_file  # noqa: E402

from embeddings.config import EngineSettings  # noqa: E402
from embeddings.labels import load_rows, resolve_quotes  # noqa: E402

# A question whose answer is a whole document ("what did X say on <date>") teaches no passage.
MOST_GOLD = 3


def spent_rows(sets: list[str], engine, exclude: set[str]) -> list:
    """The English answerable rows of ``sets``, resolved to passage ids, less those about a file of
    ``exclude`` (the documents the scoring set adds)."""
    copies = dict(re.findall(r"^(\S+) duplicates (\S+)", "\n".join(engine.problems()), re.MULTILINE))
    rows = [replace(r, file=copies.get(r.file, r.file))
            for r in load_rows([FRESH / question_file(name) for name in sets], shipped=False)]
    rows = [r for r in rows if r.lang == "en" and r.file and r.file not in exclude and (r.quotes or r.expected)]
    rows = resolve_quotes(rows, engine.index)
    return [r for r in rows if 0 < len(r.expected) <= MOST_GOLD]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", required=True, help="comma-separated spent sets to train on (fair.py's names)")
    parser.add_argument("--library", default="reserve6",
                        help="the library the rows are resolved in (fair.py's set name: its added documents)")
    parser.add_argument("--exclude", default="reserve5,reserve6",
                        help="reserves whose documents no training row may be about")
    parser.add_argument("--index-dir", help="an index of that library built by fair.py (reused, not written)")
    parser.add_argument("--out", required=True, help="folder the model is written to")
    args = parser.parse_args()
    from embeddings.registry import TrainConfig
    from embeddings.search.params import SearchParams
    from embeddings.service import Engine
    from embeddings.training.fit import fit, save_model

    record = json.loads((ROOT / "embeddings" / "eval" / "training.json").read_text("utf-8"))
    exclude = {f.name for name in args.exclude.split(",") for f in (FRESH / f"documents_{name}").iterdir()}
    with tempfile.TemporaryDirectory() as tmp:
        data = library_data(Path(tmp) / "data", added_documents(args.library))
        shipped = EngineSettings.from_env()
        settings = EngineSettings.from_env({**os.environ, "DATA_DIR": str(data),
                                            "INDEX_DIR": args.index_dir or str(Path(tmp) / "index"),
                                            "MODEL_DIR": str(shipped.model_dir)})
        engine = Engine(settings)
        engine.load()
        index = engine.index
        passages = {p.id: p for p in (index.passages[n] for n in range(len(index.passages)))}
        made = spent_rows(args.sets.split(","), engine, exclude)
    labelled = [r for r in load_rows() if r.answerable and all(e in passages for e in r.expected)]
    print(f"{len(labelled)} labelled questions, {len(made)} spent questions about "
          f"{len({r.file for r in made})} documents ({args.sets})")
    config = TrainConfig()
    started = time.perf_counter()
    model, _, history = fit(shipped.model_path, labelled + made, passages, config,
                            epochs=record["final_epochs"], report=print)
    seconds = time.perf_counter() - started
    save_model(model, Path(args.out))
    (Path(args.out) / SearchParams.FILE).write_text(json.dumps(record["params"]), encoding="utf-8")
    print(f"trained in {seconds:.0f} s on {os.cpu_count()} cores; history {history}; model in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
