"""Scale through the real code: generated documents -> build_index -> load_index -> Engine.

    .venv/bin/python benchmarks/scale.py [--sizes 100000,1000000] [--out benchmarks/results-scale.json]

Each size is a folder of generated statements (1,000 one-sentence paragraphs per file, 25-40
words each) built into an index by ``build_index`` and served by ``Engine``, as `/reindex` and a
start would. The words follow a realistic vocabulary: the shipped corpus's words plus generated
word-like strings, Zipf-distributed, with about 30 * sqrt(tokens) distinct words (Heaps' law;
some 200,000 at a million passages), so BM25 and spelling correction see a large vocabulary.

Only the passage vectors are stood in for: embedding a million passages with the model would take
about four hours here (66 passages/s), so each passage's vector is a mix of two real passage
embeddings chosen by its text's hash, plus noise (the geometry ``bench.py`` uses). Questions are
the real labelled questions, encoded by the real model, through the real pipeline (encoding,
spelling, dense, BM25, fusion, no-answer rule). Reported per size: build seconds, index size on
disk, the first load of the new version (index, treaty catalogue, and the no-answer rule's probe
calibration, which is then kept in the version), the load at a restart, question -> hits
p50/p95/p99, resident memory of the process after loading. Loads are of the engine inside one
process: a new process adds its imports (bench.py's "start to ready"). Measures, never asserts.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from embeddings.config import EngineSettings  # noqa: E402
from embeddings.labels import load_rows  # noqa: E402

PASSAGES_PER_FILE = 1000


class StandInEncoder:
    """Passage vectors stood in for (see the module docstring); questions by the real encoder."""

    backend = "stand-in"

    def __init__(self, real, anchors: np.ndarray) -> None:
        self.real = real
        self.anchors = anchors
        self.dimension = anchors.shape[1]
        self.model_path = real.model_path  # the served model's folder: its search parameters apply
        self.fingerprint = f"{real.fingerprint}+stand-in-passages"

    def encode(self, texts, *, progress=None) -> np.ndarray:
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
            rng = np.random.default_rng(seed)
            a, b = self.anchors[rng.integers(0, len(self.anchors), 2)]
            mix = rng.random()
            v = mix * a + (1 - mix) * b + rng.standard_normal(self.dimension).astype(np.float32) * 0.025
            out[i] = v / np.linalg.norm(v)
            if progress and i % 10_000 == 9_999:
                progress(10_000)
        return out

    def encode_query(self, text: str) -> np.ndarray:
        return self.real.encode_query(text)

    def warm(self) -> None:
        self.real.warm()


def vocabulary(real_words: list[str], size: int, rng: np.random.Generator) -> list[str]:
    words = set(real_words)
    real = [w for w in real_words if len(w) >= 4]
    while len(words) < size:
        a, b = real[int(rng.integers(0, len(real)))], real[int(rng.integers(0, len(real)))]
        words.add(a[: int(rng.integers(2, len(a)))] + b[int(rng.integers(1, len(b) - 1)):])
    return sorted(words)


def write_documents(data: Path, passages: int, real_words: list[str], rng: np.random.Generator) -> int:
    tokens = passages * 32
    vocab = vocabulary(real_words, int(30 * tokens ** 0.5), rng)
    order = rng.permutation(len(vocab))
    for f in range(0, passages, PASSAGES_PER_FILE):
        n = min(PASSAGES_PER_FILE, passages - f)
        lengths = rng.integers(25, 41, n)
        ranks = np.minimum(rng.zipf(1.2, int(lengths.sum())), len(vocab)) - 1
        picked = [vocab[order[r]] for r in ranks]
        number = f // PASSAGES_PER_FILE
        lines = [f"TITLE: Generated statement {number}", f"DATE: 2022-03-{number % 28 + 1:02d}",
                 "SOURCE: generated", "KIND: statement", "---"]
        start = 0
        for length in lengths:
            words = picked[start:start + int(length)]
            start += int(length)
            lines.append(" ".join(words).capitalize() + ".\n")
        (data / f"gen_{number:05d}.txt").write_text("\n".join(lines), "utf-8")
    return len(vocab)


def one_size(size: int, tmp: Path, real, model_dir: Path, anchors, real_words: list[str],
             questions: list[str]) -> dict:
    from embeddings.index.build import build_index
    from embeddings.service import Engine

    rng = np.random.default_rng(size)
    data, index_dir = tmp / f"data-{size}", tmp / f"index-{size}"
    data.mkdir()
    started = time.perf_counter()
    vocab = write_documents(data, size, real_words, rng)
    out: dict = {"passages": size, "vocabulary": vocab, "write_s": time.perf_counter() - started}
    encoder = StandInEncoder(real, anchors)
    started = time.perf_counter()
    summary = build_index(data, index_dir, encoder)
    out["build_s"] = time.perf_counter() - started
    out["indexed_passages"] = summary.passages
    out["index_mb"] = sum(f.stat().st_size for f in index_dir.rglob("*") if f.is_file()) / 2**20
    gc.collect()
    # Multilingual vectors (80 ms a passage) are left out: a million would take a day to embed.
    settings = EngineSettings(data_dir=data, index_dir=index_dir, model="", model_dir=model_dir, multilingual="off")
    started = time.perf_counter()
    engine = Engine(settings, encoder=encoder)
    engine.load()  # the first load of a new version also calibrates the no-answer rule on it
    engine.catalogue  # noqa: B018 (read with the index; here to be sure it is counted)
    out["first_load_s"] = time.perf_counter() - started
    del engine
    gc.collect()
    started = time.perf_counter()
    engine = Engine(settings, encoder=encoder)  # a restart: the calibration is kept in the version
    engine.load()
    engine.catalogue  # noqa: B018
    out["load_s"] = time.perf_counter() - started
    out["rss_mb"] = psutil.Process().memory_info().rss / 2**20
    times = []
    for _ in range(2):
        for q in questions:
            t = time.perf_counter()
            engine.searcher.search(q, k=3)
            times.append(time.perf_counter() - t)
        engine.searcher._cache.clear()
    out["question_to_hits"] = {f"p{p}_ms": float(np.percentile(times, p)) * 1000 for p in (50, 95, 99)}
    out["thresholds"] = engine.searcher.thresholds
    del engine
    shutil.rmtree(data)
    shutil.rmtree(index_dir)
    gc.collect()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results-scale.json"))
    args = parser.parse_args()
    from embeddings.service import Engine

    questions = [r.question for r in load_rows()]
    shipped = Engine(EngineSettings.from_env())
    shipped.load()  # the served model (fine-tuned on first use) and the shipped corpus's index
    real = shipped.encoder
    anchors = np.asarray(shipped.index.vectors, dtype=np.float32)
    real_words = sorted(shipped.index.words)
    results = {"machine": f"{os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB",
               "when": time.strftime("%Y-%m-%d %H:%M"), "sizes": []}
    with tempfile.TemporaryDirectory() as tmp:
        for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
            row = one_size(size, Path(tmp), real, shipped.settings.model_dir, anchors, real_words, questions)
            results["sizes"].append(row)
            h = row["question_to_hits"]
            print(f"{size:>9,} passages, {row['vocabulary']:,} words: build {row['build_s']:.0f} s, "
                  f"index {row['index_mb']:.0f} MB, first load {row['first_load_s']:.1f} s, "
                  f"load {row['load_s']:.2f} s, RSS {row['rss_mb']:.0f} MB, "
                  f"question -> hits p50 {h['p50_ms']:.1f} / p95 {h['p95_ms']:.1f} / p99 {h['p99_ms']:.1f} ms",
                  flush=True)
    Path(args.out).write_text(json.dumps(results, indent=1))
    print(f"JSON: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
