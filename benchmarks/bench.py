"""Speed and scale benchmark: prints a table and writes JSON. Measures, never asserts.

    .venv/bin/python benchmarks/bench.py [--sizes 10000,100000,1000000] [--out benchmarks/results.json]

Shipped corpus (real model, real index, in a temporary copy of data/):
  start to ready (process start until the first question is answered, index already built),
  build throughput for new text, an unchanged rebuild, question -> hits and question -> reply
  latency (p50/p95/p99, cache off), cached latency, questions/second with 2 threads, RSS;
  and, in the same run, the plain pipeline (sentence-transformers on PyTorch + a flat FAISS
  index over paragraph vectors), with the ratio, since absolute times drift on shared machines.

Generated corpora (10k, 100k, 1M passages): *generated vectors* clustered around the real
corpus's unit vectors (random vectors are a poor stand-in for HNSW recall), and *generated text*
(words of the real vocabulary, Zipf-distributed) for the BM25 side. Questions are the real
labelled questions, encoded by the real model. Reported: index type and build time, index
memory, search latency through the real Searcher (encoding included), recall@10 of the dense
index against exact search.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from embeddings.config import EngineSettings  # noqa: E402
from embeddings.labels import load_rows  # noqa: E402

START_SCRIPT = """
import time, sys
t0 = float(sys.argv[1])
from embeddings.config import EngineSettings
from embeddings.service import Engine
engine = Engine(EngineSettings.from_env())
engine.load()
engine.ask("Which country did the allies condemn for enabling the attack?")
elapsed = time.time() - t0
import psutil
for q in ["sanctions", "article 5", "Who was condemned for enabling the attack?", "How do I bake bread?"]:
    engine.ask(q)
print(elapsed, psutil.Process().memory_info().rss / 2**20)
"""


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) * 1000.0


def latency(fn, questions: list[str], repeat: int = 3) -> dict:
    times = []
    for _ in range(repeat):
        for q in questions:
            start = time.perf_counter()
            fn(q)
            times.append(time.perf_counter() - start)
    return {"p50_ms": pct(times, 50), "p95_ms": pct(times, 95), "p99_ms": pct(times, 99), "n": len(times)}


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


# --------------------------------------------------------------------------- shipped corpus


def shipped(tmp: Path, questions: list[str]) -> dict:
    from bot import render
    from embeddings.index.load import passage_units
    from embeddings.service import Engine

    data = tmp / "data"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns(".index"))
    index_dir = tmp / "index"
    env = {**os.environ, "DATA_DIR": str(data), "INDEX_DIR": str(index_dir)}
    settings = EngineSettings.from_env(env)
    out: dict = {}

    # The first start, as an operator sees it: a new process on an empty INDEX_DIR (fine-tuning, the
    # ONNX export and the index build run in its child process), until the first answer, and the
    # serving process's memory then.
    t0 = time.time()
    res = subprocess.run([sys.executable, "-c", START_SCRIPT, str(t0)], env=env, cwd=ROOT,
                         capture_output=True, text=True, check=True)
    elapsed, memory = res.stdout.strip().splitlines()[-1].split()
    out["first_start_s"], out["first_start_rss_mb"] = float(elapsed), float(memory)

    engine = Engine(settings)
    out["first_start_model"] = engine.model_info["reason"]
    start = time.perf_counter()
    first = engine.rebuild(force=True)
    out["first_build_s"] = time.perf_counter() - start  # the index alone (model ready)
    out["first_build_units"] = first.embedded

    # Build throughput on new text: 300 new paragraphs of about 80 words (the statement's own run
    # 40-90), made of the corpus's sentences in new combinations.
    rng = np.random.default_rng(7)
    sentences = [s for p in engine.index.passages for s in p.text.replace("\n", " ").split(". ")
                 if 30 < len(s) < 300]
    paragraphs = []
    while len(paragraphs) < 300:
        words: list[str] = []
        while len(words) < 70:
            words += (str(rng.choice(sentences)) + ".").split()
        paragraphs.append(" ".join(words[:90]))
    out["build_words_per_passage"] = float(np.mean([len(p.split()) for p in paragraphs]))
    (data / "generated.txt").write_text("date 2024-01\n\n" + "\n\n".join(paragraphs), "utf-8")
    summary = engine.rebuild()
    out["build_new_passages"] = summary.added
    out["build_new_units"] = summary.embedded
    out["build_seconds"] = summary.seconds
    out["build_passages_per_s"] = summary.added / summary.seconds
    (data / "generated.txt").unlink()
    engine.rebuild()
    out["unchanged_rebuild_s"] = engine.rebuild().seconds

    # Start to ready, in a fresh process each time (the index exists).
    starts, rss = [], []
    for _ in range(3):
        t0 = time.time()
        res = subprocess.run([sys.executable, "-c", START_SCRIPT, str(t0)], env=env, cwd=ROOT,
                             capture_output=True, text=True, check=True)
        elapsed, memory = res.stdout.strip().splitlines()[-1].split()
        starts.append(float(elapsed))
        rss.append(float(memory))
    out["start_to_ready_s"] = statistics.median(starts)
    out["serving_rss_mb"] = statistics.median(rss)  # a fresh process that only serves

    # Latency, cache off (each question computed), then cached.
    engine = Engine(settings)
    engine.load()
    searcher = engine.searcher
    searcher._cache_size = 0
    searcher._cache.clear()
    out["question_to_hits"] = latency(lambda q: engine.ask(q), questions)
    out["question_to_reply"] = latency(lambda q: render.answer(engine.ask(q)).kwargs(), questions)
    searcher._cache_size = 1024
    for q in questions:
        engine.ask(q)
    out["question_to_reply_cached"] = latency(lambda q: render.answer(engine.ask(q)).kwargs(), questions)
    searcher._cache_size = 0
    searcher._cache.clear()
    with ThreadPoolExecutor(2) as pool:
        batch = questions * 4
        start = time.perf_counter()
        list(pool.map(lambda q: render.answer(engine.ask(q)).kwargs(), batch))
        out["questions_per_s_2_threads"] = len(batch) / (time.perf_counter() - start)
    out["rss_mb"] = rss_mb()

    # The plain pipeline, same run: PyTorch encoder + flat index over paragraph vectors.
    import faiss

    from embeddings.encoders.pytorch import Encoder

    torch_encoder = Encoder(settings.model_path)
    statements = [p for p in engine.index.passages if p.kind == "statement"]
    flat = faiss.IndexFlatIP(torch_encoder.dimension)
    flat.add(torch_encoder.encode([passage_units(p)[0] for p in statements]))
    torch_encoder.warm()

    from embeddings.search.results import Hit, SearchResult

    def plain(q: str):
        scores, ids = flat.search(torch_encoder.encode_query(q).reshape(1, -1), 3)
        hits = [Hit(statements[i], float(s), float(s), 0.0) for s, i in zip(scores[0], ids[0]) if i >= 0]
        return render.answer(SearchResult(q, True, hits)).kwargs()

    out["plain_question_to_reply"] = latency(plain, questions)
    out["plain_rss_mb"] = rss_mb()
    out["speedup_p50"] = out["plain_question_to_reply"]["p50_ms"] / out["question_to_reply"]["p50_ms"]
    return out


# --------------------------------------------------------------------------- generated corpora


def generated(size: int, questions: list[str], base) -> dict:
    """A generated corpus of ``size`` passages behind the real Searcher."""
    import bm25s
    import faiss

    from embeddings.corpus.records import Passage
    from embeddings.corpus.text import tokens, word_counts
    from embeddings.corpus.treaties import TreatyCatalogue
    from embeddings.index.build import make_dense_index
    from embeddings.index.load import KindIndex, LoadedIndex
    from embeddings.search.searcher import Searcher

    rng = np.random.default_rng(size)
    real = np.asarray(base.index.vectors, dtype=np.float32)
    dim = real.shape[1]
    # Vectors spread between real ones: a random mix of two real unit vectors plus a little noise,
    # normalised. (Tight clusters around the real vectors are full of near-ties and understate
    # HNSW recall; uniform random vectors are worse still.)
    vectors = np.empty((size, dim), dtype=np.float32)
    for start in range(0, size, 100_000):
        n = min(100_000, size - start)
        a, b = real[rng.integers(0, len(real), n)], real[rng.integers(0, len(real), n)]
        mix = rng.random((n, 1)).astype(np.float32)
        block = mix * a + (1 - mix) * b + rng.standard_normal((n, dim)).astype(np.float32) * (0.5 / np.sqrt(dim))
        vectors[start:start + n] = block / np.linalg.norm(block, axis=1, keepdims=True)
    # Text for BM25: Zipf-distributed words of the real vocabulary, 40 per passage.
    vocab = sorted(base.index.words)
    ranks = np.minimum(rng.zipf(1.3, size * 40), len(vocab)) - 1
    words = np.array(vocab)[rng.permutation(len(vocab))][ranks].reshape(size, 40)

    out: dict = {"passages": size, "vectors": "generated (mixes of real embeddings plus noise)",
                 "text": "generated (Zipf over the real vocabulary)"}
    start = time.perf_counter()
    dense, params = make_dense_index(vectors)
    out["dense_build_s"] = time.perf_counter() - start
    out.update(params)
    with tempfile.NamedTemporaryFile() as fh:
        faiss.write_index(dense, fh.name)
        out["dense_index_mb"] = os.path.getsize(fh.name) / 2**20
    start = time.perf_counter()
    retriever = bm25s.BM25()
    retriever.index([tokens(" ".join(row)) for row in words], show_progress=False)
    out["bm25_build_s"] = time.perf_counter() - start
    out["bm25_mb"] = sum(a.nbytes for a in retriever.scores.values() if hasattr(a, "nbytes")) / 2**20
    if params["index_type"] == "ivf":
        dense.nprobe = params["nprobe"]

    passages = [Passage(id=f"g#{i}", document="g", title="generated", kind="statement", date="2024-01",
                        source="generated", paragraph=i + 1, text="") for i in range(size)]
    # One generated document holding every passage: the searcher scores only passages of the
    # documents its library knows (an empty manifest would answer every question with "nothing").
    manifest = {"documents": [{"id": "g", "title": "generated", "kind": "statement", "date": "2024-01",
                               "range": [0, size], "voices": []}]}
    index = LoadedIndex(
        path=Path("/nonexistent"), manifest=manifest, passages=passages,
        unit_passage=np.arange(size), unit_start=np.arange(size + 1), vectors=vectors,
        words=word_counts([" ".join(vocab)]),
        kinds={"statement": KindIndex("statement", 0, size, 0, dense, retriever)},
        catalogue=TreatyCatalogue([], []),  # the generated text cites nothing
    )
    searcher = Searcher(index, base.encoder, cache_size=0)
    out["question_to_hits"] = latency(lambda q: searcher.search(q, k=3), questions, repeat=2)
    # A sanity figure: a search that returns nothing is fast and measures nothing.
    out["questions_with_hits"] = sum(bool(searcher.search(q, k=3).hits) for q in questions) / len(questions)
    out["rss_mb"] = rss_mb()

    # Dense recall@10 against exact search, on the real questions.
    query_vectors = base.encoder.encode(questions)
    exact = faiss.IndexFlatIP(dim)
    exact.add(vectors)
    _, truth = exact.search(query_vectors, 10)
    _, got = dense.search(query_vectors, 10)
    out["recall@10_vs_exact"] = float(np.mean([len(set(t) & set(g)) / 10 for t, g in zip(truth, got)]))
    if params["index_type"] == "ivf":  # how recall and time trade at other nprobe values
        out["nprobe_sweep"] = []
        for nprobe in (16, 32, 64, 128):
            dense.nprobe = nprobe
            start = time.perf_counter()
            for q in query_vectors:
                dense.search(q.reshape(1, -1), 10)
            per_query = (time.perf_counter() - start) / len(query_vectors) * 1000
            _, got = dense.search(query_vectors, 10)
            out["nprobe_sweep"].append({"nprobe": nprobe, "dense_ms": per_query, "recall@10": float(
                np.mean([len(set(t) & set(g)) / 10 for t, g in zip(truth, got)]))})
    del exact, dense, vectors, retriever, index, passages
    gc.collect()
    return out


def spelling(real_words: list[str], sizes=(30_000, 100_000, 300_000)) -> list[dict]:
    """Spelling correction against vocabularies as large libraries have (Heaps' law: about 200k
    distinct words at a million passages): the corpus's words plus generated word-like strings
    (pieces of real words glued together). 300 real words misspelt by one edit past the first
    letter; the bucketed Speller against a scan of the whole vocabulary, time and how often the
    intended word comes back."""
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    from embeddings.search.spelling import Speller

    rng = np.random.default_rng(7)
    real = sorted({w for w in real_words if len(w) >= 5 and w.isalpha()})
    targets = [real[i] for i in rng.choice(len(real), size=min(300, len(real)), replace=False)]

    def misspell(w: str) -> str:
        i = int(rng.integers(1, len(w)))
        letter = "abcdefghijklmnopqrstuvwxyz"[int(rng.integers(0, 26))]
        return w[:i] + letter + w[i + 1:] if rng.random() < 0.5 else w[:i] + letter + w[i:]

    typos = [misspell(w) for w in targets]
    out = []
    for size in (len(real), *sizes):
        vocab = set(real)
        while len(vocab) < size:
            a, b = real[int(rng.integers(0, len(real)))], real[int(rng.integers(0, len(real)))]
            vocab.add(a[: int(rng.integers(2, len(a)))] + b[int(rng.integers(1, len(b) - 1)):])
        words = sorted(vocab)
        start = time.perf_counter()
        speller = Speller(words)
        build_s = time.perf_counter() - start
        start = time.perf_counter()
        fixed = [speller.correct(t) for t in typos]
        bucket_ms = (time.perf_counter() - start) / len(typos) * 1000
        start = time.perf_counter()
        scanned = []
        for t in typos:  # the previous way: every word of the vocabulary
            limit = 1 if len(t) < 8 else 2
            found = process.extract(t, words, scorer=Levenshtein.distance, score_cutoff=limit, limit=3)
            best = [w for w, d, _ in found if d == min(d for _, d, _ in found)] if found else []
            scanned.append(best[0] if len(best) == 1 else None)
        scan_ms = (time.perf_counter() - start) / len(typos) * 1000
        out.append({"vocabulary": len(words), "build_s": build_s, "bucketed_ms": bucket_ms, "full_scan_ms": scan_ms,
                    "bucketed_right": float(np.mean([f == w for f, w in zip(fixed, targets)])),
                    "full_scan_right": float(np.mean([f == w for f, w in zip(scanned, targets)]))})
    return out


# --------------------------------------------------------------------------- report


def _spelling_table(results: dict) -> str:
    lines = ["spelling correction, vocabulary   bucketed ms  right   full scan ms  right"]
    for r in results["spelling"]:
        lines.append(f"  {r['vocabulary']:>29,} {r['bucketed_ms']:13.3f} {r['bucketed_right']:6.2f}"
                     f" {r['full_scan_ms']:14.3f} {r['full_scan_right']:6.2f}")
    return "\n".join(lines)


def table(results: dict, spelling_only: bool = False) -> str:
    if spelling_only:
        return _spelling_table(results)
    s = results["shipped"]
    lines = [
        f"machine: {results['machine']}",
        "",
        "shipped corpus                         this pipeline     plain torch + flat",
        f"  question -> reply p50 / p95 / p99   {s['question_to_reply']['p50_ms']:5.2f} / "
        f"{s['question_to_reply']['p95_ms']:5.2f} / {s['question_to_reply']['p99_ms']:5.2f} ms"
        f"   {s['plain_question_to_reply']['p50_ms']:5.2f} / {s['plain_question_to_reply']['p95_ms']:5.2f} / "
        f"{s['plain_question_to_reply']['p99_ms']:5.2f} ms",
        f"  plain / this pipeline, p50          {s['speedup_p50']:.1f}x",
        f"  question -> hits p50 / p95 / p99    {s['question_to_hits']['p50_ms']:5.2f} / "
        f"{s['question_to_hits']['p95_ms']:5.2f} / {s['question_to_hits']['p99_ms']:5.2f} ms",
        f"  repeated question (cached) p50      {s['question_to_reply_cached']['p50_ms']:5.3f} ms",
        f"  questions/s, 2 threads              {s['questions_per_s_2_threads']:.0f}",
        f"  first start (new process, empty INDEX_DIR) {s['first_start_s']:.0f} s, serving RSS "
        f"{s['first_start_rss_mb']:.0f} MB (once; {s['first_start_model']})",
        f"  building the index (model ready)    {s['first_build_s']:.1f} s",
        f"  start to ready                      {s['start_to_ready_s']:.2f} s",
        f"  build, new text                     {s['build_passages_per_s']:.0f} passages/s "
        f"({s['build_new_passages']} passages of {s['build_words_per_passage']:.0f} words, "
        f"{s['build_new_units']} texts embedded)",
        f"  unchanged rebuild                   {s['unchanged_rebuild_s']:.3f} s",
        f"  resident memory, serving process    {s['serving_rss_mb']:.0f} MB",
        "",
        "generated corpora   index        build s   index MB  bm25 MB   p50 ms  p95 ms  recall@10  RSS MB  with hits",
    ]
    for g in results["generated"]:
        lines.append(
            f"  {g['passages']:>9,}         {g['index_type']:<6} {g['dense_build_s']:9.1f} {g['dense_index_mb']:10.0f}"
            f" {g['bm25_mb']:8.0f} {g['question_to_hits']['p50_ms']:8.2f} {g['question_to_hits']['p95_ms']:7.2f}"
            f" {g['recall@10_vs_exact']:10.3f} {g['rss_mb']:7.0f} {g.get('questions_with_hits', 0):10.2f}"
        )
    if results.get("spelling"):
        lines += ["", _spelling_table(results)]
    for g in results.get("generated", []):
        for row in g.get("nprobe_sweep", []):
            lines.append(f"    {g['passages']:,} passages, nprobe {row['nprobe']:>4}: dense search "
                         f"{row['dense_ms']:.2f} ms, recall@10 {row['recall@10']:.3f}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results.json"))
    parser.add_argument("--spelling-only", action="store_true", help="only the spelling-correction figures")
    args = parser.parse_args()
    questions = [r.question for r in load_rows()]
    results: dict = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                   f"{psutil.virtual_memory().total / 2**30:.0f} GiB, Python {platform.python_version()}",
        "when": time.strftime("%Y-%m-%d %H:%M"),
    }
    if args.spelling_only:
        from embeddings.corpus.documents import load_corpus
        from embeddings.corpus.text import word_counts

        words = word_counts([p.text for p in load_corpus(ROOT / "data").passages])
        results["spelling"] = spelling(list(words))
        print(table(results, spelling_only=True))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        results["shipped"] = shipped(Path(tmp), questions)
        print("shipped corpus done", flush=True)
        from embeddings.service import Engine

        base = Engine(EngineSettings.from_env({"DATA_DIR": str(Path(tmp) / "data"),
                                               "INDEX_DIR": str(Path(tmp) / "index")}))
        base.load()
        results["spelling"] = spelling(list(base.index.words))
        print("spelling done", flush=True)
        results["generated"] = []
        for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
            results["generated"].append(generated(size, questions, base))
            print(f"{size} passages done", flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=1))
    print(table(results))
    print(f"\nJSON: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
