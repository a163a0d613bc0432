"""What the context unit costs at build time: the seconds to embed it for 100 statement passages,
beside the seconds for all of their units (and an agreement's article under its heading, per 100
articles that have one), with the served encoder, on the library of
benchmarks/fair.py; and the same for the multilingual vectors (each passage, and it after its
context: ``embeddings.index.load.context_text``), and the library's words (the lexicon of
``embeddings.index.multilingual_vectors``). Prints figures; asserts nothing.

    .venv/bin/python benchmarks/context_cost.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from fair import library_data  # noqa: E402

from embeddings.config import EngineSettings  # noqa: E402
from embeddings.corpus.documents import load_corpus  # noqa: E402
from embeddings.corpus.text import word_counts  # noqa: E402
from embeddings.index.load import context_text, passage_units  # noqa: E402
from embeddings.index.multilingual_vectors import lexicon_words  # noqa: E402


def main() -> int:
    from embeddings.service import Engine

    with tempfile.TemporaryDirectory() as tmp:
        data = library_data(Path(tmp) / "data")
        shipped = EngineSettings.from_env()
        settings = EngineSettings.from_env({**os.environ, "DATA_DIR": str(data), "INDEX_DIR": str(Path(tmp) / "index"),
                                            "MODEL_DIR": str(shipped.model_dir)})
        encoder = Engine(settings).encoder
        corpus = load_corpus(data).passages
        passages = [p for p in corpus if p.kind == "statement"]
        headed = [passage_units(p)[-1] for p in corpus if p.kind == "treaty" and p.section and p.section != p.label]
    context = [passage_units(p)[-1] for p in passages]
    every = [u for p in passages for u in passage_units(p)]
    encoder.encode(context[:20])  # warm
    for name, texts in (("the context unit", context), ("all units", every)):
        started = time.perf_counter()
        encoder.encode(texts)
        seconds = time.perf_counter() - started
        print(f"{name}: {len(texts)} texts in {seconds:.1f} s, {100 * seconds / len(passages):.1f} s per 100 "
              f"statement passages")
    started = time.perf_counter()
    encoder.encode(headed)
    seconds = time.perf_counter() - started
    print(f"an article under its heading: {len(headed)} texts in {seconds:.1f} s, "
          f"{100 * seconds / max(1, len(headed)):.1f} s per 100 articles")
    from embeddings.encoders.multilingual import Multilingual

    multilingual = Multilingual()
    multilingual.passages([p.text for p in passages[:20]])  # warm
    for name, texts in (("multilingual, passages", [p.text for p in passages]),
                        ("multilingual, after their context", [context_text(p) for p in passages])):
        started = time.perf_counter()
        multilingual.passages(texts)
        seconds = time.perf_counter() - started
        print(f"{name}: {len(texts)} texts in {seconds:.1f} s, {100 * seconds / len(passages):.1f} s per 100 "
              f"statement passages")
    words = lexicon_words(word_counts(p.text for p in corpus))  # every word once, as a build embeds them
    started = time.perf_counter()
    multilingual.queries(words)
    seconds = time.perf_counter() - started
    print(f"multilingual, the library's words (lexicon): {len(words)} words of {len(corpus)} passages in "
          f"{seconds:.1f} s, {100 * seconds / len(corpus):.1f} s per 100 passages (a word already there is not "
          f"embedded again)")
    print(f"{len(passages)} statement passages; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
