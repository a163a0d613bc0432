"""The index folder on disk: every file name, the schema version and the manifest are named here,
and only here; ``build`` writes this layout and ``load`` reads it.

Layout of ``INDEX_DIR``::

    current -> v-20261128T204500-1a2b3c   symlink to the version that serves, swapped atomically
    v-.../manifest.json           schema, model, dimension, counts, build time, sources, documents
                                  (each with its passage range, speakers and voice terms)
    v-.../passages.jsonl          the passages, verbatim, in index order (one JSON object a line)
    v-.../passage_offsets.npy     where each line starts (and one past the last): read on demand
    v-.../passage_keys.json       (id, text hash) of each passage: what a rebuild added or removed
    v-.../articles.json           passage numbers of each "Article N", for questions naming one
    v-.../catalogue.json          the treaties and the passages citing them
    v-.../words.json              the corpus's words and their counts (spelling, unknown words)
    v-.../vectors.npy             one unit vector per row (float32, normalised)
    v-.../units.npy               passage number of each unit
    v-.../unit_start.npy          first unit of each passage (and one past the last)
    v-.../unit_hashes.npy         content hash of each unit's text (the embedding cache)
    v-.../e5.npy, e5_hashes.npy   multilingual-e5 vectors: each passage's, then each statement passage's
                                  after its title, section and speaker (an article's own again); the text
                                  hashes of those and of the lexicon's words
    v-.../lexicon.npy, lexicon.json  multilingual-e5 vectors of the library's words, and the words
    v-.../dense-<kind>.faiss      FAISS index over the units of one kind
    v-.../bm25-<kind>/            bm25s index over the passages of one kind
    v-.../calibration-<key>.json  no-answer thresholds calibrated on this version (written on load)
    v-.../.replaced-at            in an old version: when it stopped serving

Kept in ``MODEL_DIR`` beside the models, for every index folder that uses them
(``embeddings.index.vector_cache``)::

    vectors-<model fingerprint>.npz   dense vectors of units by text hash, one file per model
    multilingual-vectors.npz          multilingual vectors of passages by text hash

A *unit* is a passage or one of its sentences: a question about one sentence of a long paragraph
matches that sentence closely, and the passage is quoted whole.
"""

from __future__ import annotations

import re
from pathlib import Path

# 4: passages carry speaker, partial and clause; 5: short paragraphs joined; 6: catalogue;
# 7: passages read on demand (offsets), passage keys and articles out of the manifest;
# 8: each document's passage range, speakers and voice terms in the manifest;
# 9: e5.npy holds two rows per passage (its own, then after its context);
# 10: an article's passage is a whole copy where the first breaks off (articles.json)
# 11: BM25 tokens read British and American spellings alike, and a hyphenated word joined too
# 12: -ise read as -ize (the stemmer strips it), a hyphenated word joined before it is spelt
# 13: lexicon.npy and lexicon.json, the multilingual vectors of the library's words
SCHEMA_VERSION = 13
CURRENT = "current"
VERSION_PREFIX = "v-"
REPLACED = ".replaced-at"  # in an old version: when it stopped being current (seconds since the epoch)
MANIFEST = "manifest.json"
PASSAGES = "passages.jsonl"
PASSAGE_OFFSETS = "passage_offsets.npy"
PASSAGE_KEYS = "passage_keys.json"
ARTICLES = "articles.json"
CATALOGUE = "catalogue.json"
WORDS = "words.json"
VECTORS = "vectors.npy"
UNITS = "units.npy"
UNIT_START = "unit_start.npy"
UNIT_HASHES = "unit_hashes.npy"
E5 = "e5.npy"
E5_HASHES = "e5_hashes.npy"
LEXICON = "lexicon.npy"
LEXICON_WORDS = "lexicon.json"
MULTILINGUAL_CACHE = "multilingual-vectors.npz"  # in MODEL_DIR


def vector_cache(fingerprint: str) -> str:
    """The name of one model's dense-vector cache in MODEL_DIR."""
    return "vectors-" + re.sub(r"[^A-Za-z0-9._-]", "_", fingerprint) + ".npz"


def dense_file(kind: str) -> str:
    return f"dense-{kind}.faiss"


def bm25_folder(kind: str) -> str:
    return f"bm25-{kind}"


def calibration_file(key: str) -> str:
    return f"calibration-{key}.json"


def current_path(index_dir: Path) -> Path | None:
    """The version folder that serves, or None if there is none yet."""
    link = index_dir / CURRENT
    return link.resolve() if link.exists() else None
