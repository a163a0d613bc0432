"""Building the index: read DATA_DIR, embed only the text that is new, write a new version folder
and swap it in atomically; keep replaced versions while other processes may still read them
(the layout is in index.py, which loads it)."""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from embeddings.corpus.cleaning import REPORT
from embeddings.corpus.documents import KINDS, LoadReport, load_corpus
from embeddings.corpus.issuers import library_voices, lowercase_words
from embeddings.corpus.records import Passage
from embeddings.corpus.text import tokens, word_counts
from embeddings.corpus.treaties import TreatyCatalogue
from embeddings.encoders.base import TextEncoder
from embeddings.errors import BuildFailed, IndexDamaged
from embeddings.index import layout
from embeddings.index.layout import PASSAGE_KEYS, SCHEMA_VERSION, current_path
from embeddings.index.load import (
    IVF_NPROBE,
    BuildSummary,
    article_numbers,
    check_manifest,
    import_bm25s,
    lexical_text,
    passage_units,
    read_manifest,
    unit_hash,
    write_passages,
)
from embeddings.index.multilingual_vectors import lexicon_words, write_multilingual
from embeddings.index.vector_cache import keep_vectors, read_vectors
from embeddings.index.versions import fsync_tree, remove_old_versions, remove_stale, rules_digest, swap_current
from embeddings.locks import file_lock
from embeddings.progress import ticker

log = logging.getLogger(__name__)

# progress(done, total, what): how far a build's embedding is (what: "texts", "multilingual vectors").
BuildProgress = Callable[[int, int, str], None]

# Units per kind up to which search is exact (flat, about 4 ms at 20k); above it an inverted file.
EXACT_SEARCH_LIMIT = 20_000



def _load_cache(index_dir: Path, model_fingerprint: str) -> tuple[dict[bytes, np.ndarray], dict | None]:
    """Vectors of the current index by content hash, if it was built with the same model, and
    its manifest (with its passage keys added)."""
    path = current_path(index_dir)
    if path is None:
        return {}, None
    try:
        manifest = read_manifest(path)
        check_manifest(manifest, path, model_fingerprint)
        hashes = np.load(path / layout.UNIT_HASHES)
        vectors = np.load(path / layout.VECTORS, mmap_mode="r")
        if len(hashes) != len(vectors):
            raise ValueError("cache arrays disagree")
        manifest["passage_keys"] = json.loads((path / PASSAGE_KEYS).read_text(encoding="utf-8"))
    except (IndexDamaged, OSError, ValueError) as exc:
        log.info("not reusing the previous index as a cache: %s", exc)
        return {}, None
    return dict(zip(hashes.tolist(), vectors)), manifest


# --------------------------------------------------------------------------- building


def build_lock(index_dir: Path, *, wait: bool = False):
    """One build at a time across processes (shards) on ``INDEX_DIR``: raises BuildInProgress
    if taken, or with ``wait`` waits for it."""
    return file_lock(index_dir / ".build.lock", wait=wait,
                     busy="another process is building the index; waiting for it" if wait
                     else "an index build is already running")


def _sources(documents) -> dict[str, str]:
    return {d.path: d.sha256 for d in documents}


@dataclass
class _Units:
    """The texts embedded for a build's passages (each passage and its sentences, see
    passage_units), in passage order, and their vectors."""

    passage: list[int]  # passage number of each unit
    hashes: list[bytes]  # content hash of each unit's text
    vectors: np.ndarray
    dimension: int
    embedded: int  # units whose vectors were computed (the rest came from the cache)


@dataclass
class _Build:
    """What one build carries from step to step: its settings and what was read."""

    index_dir: Path
    encoder: TextEncoder
    report: LoadReport
    started: float
    progress: BuildProgress | None
    base_model: str
    multilingual: object
    multilingual_cache: Path | None


def build_index(
    data_dir: Path,
    index_dir: Path,
    encoder: TextEncoder,
    *,
    progress: BuildProgress | None = None,
    force: bool = False,
    base_model: str = "",
    multilingual=None,
    multilingual_cache: Path | None = None,
    vector_cache: Path | None = None,
    max_document_bytes: int | None = None,
) -> BuildSummary:
    """Build or update the index from ``data_dir``; swap it in atomically when complete.

    Only units whose text is new are embedded. On any error the current index is untouched
    and the temporary folder is removed. ``base_model`` (recorded in the manifest) names the
    model the encoder's model was fine-tuned from. ``progress(done, total, what)`` hears how far
    the embedding is: "texts" (passages and sentences), then "multilingual vectors".
    ``vector_cache`` and ``multilingual_cache`` are files of vectors by text hash kept across
    index folders (``embeddings.index.vector_cache``). A document file over
    ``max_document_bytes`` (default ``documents.MAX_DOCUMENT_BYTES``) is skipped.
    """
    started = time.perf_counter()
    with build_lock(index_dir):
        remove_stale(index_dir)
        report = _read_corpus(data_dir, max_document_bytes)
        cache, previous = _load_cache(index_dir, encoder.fingerprint)
        if not force and _unchanged(previous, report, multilingual):
            return BuildSummary(
                documents=len(report.documents), passages=len(report.passages), added=0, removed=0,
                embedded=0, seconds=time.perf_counter() - started, unchanged=True,
                problems=report.problems, path=str(current_path(index_dir)),
            )
        build = _Build(index_dir, encoder, report, started, progress, base_model, multilingual, multilingual_cache)
        passages = sorted(report.passages, key=lambda p: KINDS.index(p.kind))
        kept = read_vectors(vector_cache)
        units = _embed_units(passages, encoder, {**kept, **cache} if kept else cache, progress)
        if vector_cache is not None:
            keep_vectors(vector_cache, kept, dict(zip(units.hashes, units.vectors)))
        new_keys = {(p.id, p.text_hash) for p in passages}
        added, removed = _key_changes(previous, new_keys)
        documents = _document_entries(report.documents, passages)
        final = _write_version(build, passages, units, documents, new_keys)
        swap_current(index_dir, final)
        remove_old_versions(index_dir, keep={final.name})
        return BuildSummary(
            documents=len(report.documents), passages=len(passages), added=added,
            removed=removed, embedded=units.embedded,
            seconds=time.perf_counter() - started, unchanged=False, problems=report.problems,
            path=str(final),
        )


def _read_corpus(data_dir: Path, max_bytes: int | None = None) -> LoadReport:
    """The documents of ``data_dir``; BuildFailed if not one passage could be read."""
    report = load_corpus(data_dir, max_bytes)
    if not report.passages:
        detail = "; ".join(report.problems) or f"no .txt, .md, .pdf, .html or .docx files in {data_dir}"
        raise BuildFailed(f"no document could be indexed ({detail})")
    return report


def _unchanged(previous: dict | None, report: LoadReport, multilingual) -> bool:
    """Whether the current index (its manifest ``previous``) was built from these very files,
    with the same problems, the same multilingual model and the same rules."""
    return (
        previous is not None
        and previous.get("sources") == _sources(report.documents)
        and previous.get("problems", []) == report.problems
        and previous.get("multilingual", "") == (multilingual.fingerprint if multilingual else "")
        and previous.get("rules") == rules_digest()
    )


def _embed_units(passages: list[Passage], encoder: TextEncoder, cache: dict[bytes, np.ndarray],
                 progress: BuildProgress | None) -> _Units:
    """The units of ``passages`` and their vectors: from ``cache`` by content hash, or computed
    (each new text once, however often it occurs)."""
    unit_texts: list[str] = []
    unit_passage: list[int] = []
    for number, passage in enumerate(passages):
        for text in passage_units(passage):
            unit_texts.append(text)
            unit_passage.append(number)
    unit_hashes = [unit_hash(t) for t in unit_texts]
    first_new: dict[bytes, int] = {}  # each new text once, however often it occurs
    for i, h in enumerate(unit_hashes):
        if h not in cache:
            first_new.setdefault(h, i)
    missing = list(first_new.values())
    log.info("%d units, %d to embed", len(unit_texts), len(missing))
    fresh = encoder.encode([unit_texts[i] for i in missing], progress=ticker(progress, len(missing), "texts"))
    new_vectors = {unit_hashes[i]: fresh[row] for row, i in enumerate(missing)}
    dimension = encoder.dimension
    vectors = np.zeros((len(unit_texts), dimension), dtype=np.float32)
    for row, h in enumerate(unit_hashes):
        vectors[row] = new_vectors[h] if h in new_vectors else cache[h]
    return _Units(unit_passage, unit_hashes, vectors, dimension, len(missing))


def _key_changes(previous: dict | None, new_keys: set[tuple[str, str]]) -> tuple[int, int]:
    """How many passages (id, text hash) this build adds and removes against ``previous``."""
    old_keys = set()
    if previous is not None:
        old_keys = set(map(tuple, previous.get("passage_keys", [])))
    return len(new_keys - old_keys), len(old_keys - new_keys)


def _document_entries(documents, passages: list[Passage]) -> list[dict]:
    """The manifest's entry of each document: its metadata, passage range, speakers and voices."""
    per_document = Counter(p.document for p in passages)
    ranges: dict[str, list[int]] = {}  # a document's passages are consecutive (sorted by kind only)
    speakers: dict[str, list[str]] = {}
    for number, p in enumerate(passages):
        ranges.setdefault(p.document, [number, number])[1] = number + 1
        if p.speaker and p.speaker not in speakers.setdefault(p.document, []) and p.speaker != REPORT:
            speakers[p.document].append(p.speaker)  # (a page's report is no one named)
    # A file's author (a PDF's or Word file's properties, a page's byline) speaks for it too.
    authors = {d.id: [d.extra["author"]] if d.extra.get("author") else [] for d in documents}
    voices = library_voices([(d.id, d.title, d.source, speakers.get(d.id, []) + authors[d.id]) for d in documents],
                            [(p.document, p.text) for p in passages if p.kind == "statement"],
                            lowercase_words(p.text for p in passages), {d.id: d.date for d in documents})
    return [
        {"id": d.id, "title": d.title, "kind": d.kind, "kind_source": d.kind_source,
         "date": d.date, "source": d.source, "path": d.path, "aliases": d.extra.get("aliases", ""),
         "completeness": d.completeness, "passages": per_document[d.id],
         "range": ranges.get(d.id, [0, 0]), "speakers": speakers.get(d.id, []),
         "voices": voices[d.id]}
        for d in documents
    ]


def _write_version(build: _Build, passages: list[Passage], units: _Units, documents: list[dict],
                   new_keys: set[tuple[str, str]]) -> Path:
    """Write the new version in a temporary folder and rename it into place (removing the
    temporary folder on any error); returns the version folder."""
    tmp = build.index_dir / f".tmp-{uuid.uuid4().hex[:12]}"
    try:
        tmp.mkdir(parents=True)
        _fill_version(tmp, build, passages, units, documents, new_keys)
        final = build.index_dir / f"{layout.VERSION_PREFIX}{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def _fill_version(tmp: Path, build: _Build, passages: list[Passage], units: _Units, documents: list[dict],
                  new_keys: set[tuple[str, str]]) -> None:
    """Every file of a version, the manifest last, synced to disk."""
    counts = word_counts(p.text for p in passages)
    manifest = _write(tmp, passages, np.array(units.passage, dtype=np.int32),
                      np.array(units.hashes, dtype="S32"), units.vectors, units.dimension, counts)
    manifest.update(
        model=build.encoder.fingerprint,
        model_path=build.encoder.model_path,
        base_model=build.base_model,  # the model this one was fine-tuned from (or itself)
        build_time=datetime.now(UTC).isoformat(timespec="seconds"),
        build_seconds=round(time.perf_counter() - build.started, 3),
        sources=_sources(build.report.documents),
        documents=documents,
        problems=build.report.problems,
        rules=rules_digest(),
    )
    (tmp / PASSAGE_KEYS).write_text(json.dumps(sorted(new_keys)), encoding="utf-8")
    if build.multilingual is not None:
        manifest["multilingual"] = write_multilingual(tmp, passages, lexicon_words(counts), build.multilingual,
                                                      build.index_dir, build.multilingual_cache, build.progress)
    catalogue = TreatyCatalogue(passages, manifest["documents"])
    (tmp / layout.CATALOGUE).write_text(json.dumps(catalogue.to_dict(passages)), encoding="utf-8")
    (tmp / layout.MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    fsync_tree(tmp)


def _write(folder: Path, passages: list[Passage], unit_passage: np.ndarray, unit_hashes: np.ndarray,
           vectors: np.ndarray, dimension: int, counts: dict[str, int]) -> dict:
    import faiss

    bm25s = import_bm25s()
    write_passages(folder, passages)
    (folder / layout.ARTICLES).write_text(json.dumps(article_numbers(passages)), encoding="utf-8")
    np.save(folder / layout.UNITS, unit_passage)
    np.save(folder / layout.UNIT_HASHES, unit_hashes)
    np.save(folder / layout.VECTORS, vectors)
    unit_start = np.searchsorted(unit_passage, np.arange(len(passages) + 1)).astype(np.int64)
    np.save(folder / layout.UNIT_START, unit_start)
    (folder / layout.WORDS).write_text(json.dumps(counts), encoding="utf-8")

    kinds: dict[str, dict] = {}
    for kind in KINDS:
        members = [i for i, p in enumerate(passages) if p.kind == kind]
        if not members:
            continue
        p_start, p_end = members[0], members[-1] + 1
        unit_rows = np.nonzero((unit_passage >= p_start) & (unit_passage < p_end))[0]
        u_start, u_end = int(unit_rows[0]), int(unit_rows[-1]) + 1
        dense, params = make_dense_index(vectors[u_start:u_end], exact_limit=EXACT_SEARCH_LIMIT)
        faiss.write_index(dense, str(folder / layout.dense_file(kind)))
        bm25 = bm25s.BM25()
        bm25.index([tokens(lexical_text(p)) or [""] for p in passages[p_start:p_end]], show_progress=False)
        bm25.save(str(folder / layout.bm25_folder(kind)), show_progress=False)
        kinds[kind] = {"passages": [p_start, p_end], "units": [u_start, u_end], **params}
    return {
        "schema_version": SCHEMA_VERSION,
        "dimension": dimension,
        "passages": len(passages),
        "units": int(len(unit_passage)),
        "kinds": kinds,
    }


def make_dense_index(vectors: np.ndarray, exact_limit: int = EXACT_SEARCH_LIMIT):
    """Exact inner-product search for small sets; an inverted file (IVF) above ``exact_limit``.

    Measured on 1M generated vectors (benchmarks/bench.py): IVF with 4*sqrt(n) lists and 64
    probed gives recall@10 0.97 in about 2.3 ms and builds in 4 minutes; HNSW (M=32,
    efConstruction 200) needed efSearch 2048 (8 ms) for 0.95 and 8 minutes to build.
    """
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    count, dimension = vectors.shape
    if count <= exact_limit:
        index = faiss.IndexFlatIP(dimension)
        params = {"index_type": "flat"}
    else:
        nlist = int(4 * np.sqrt(count))
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dimension), dimension, nlist, faiss.METRIC_INNER_PRODUCT)
        rng = np.random.default_rng(0)
        sample = vectors[np.sort(rng.choice(count, min(count, nlist * 40), replace=False))]
        index.train(sample)
        params = {"index_type": "ivf", "nlist": nlist, "nprobe": IVF_NPROBE}
    index.add(vectors)
    return index, params


