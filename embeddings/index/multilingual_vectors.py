"""The multilingual vectors of an index version (multilingual-e5-small, ``embeddings.encoders.multilingual``):

- ``e5.npy``: each passage's vector, then each statement passage's after its context
  (``context_text``: who spoke and when; an article's second is its own, at no cost);
- ``lexicon.npy`` / ``lexicon.json``: the vector of each word of the library (as a ``query:``), so
  that a question's words in another language can be read as the library's English words they
  are nearest to ("самооборону" -> "self-defence", "Koalition" -> "coalition") and the English
  pipeline searched with them too (``embeddings.search.other_languages``; docs/quality.md).

Reused from the current version, or from a cache file shared by the indexes of one model folder,
and computed only for new text.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from embeddings.corpus.records import Passage, text_hash
from embeddings.errors import IndexDamaged
from embeddings.index import layout
from embeddings.index.layout import current_path
from embeddings.index.load import context_text, read_manifest
from embeddings.index.vector_cache import keep_vectors, read_vectors
from embeddings.progress import ticker

log = logging.getLogger(__name__)

DIMENSION = 384
LEXICON_PREFIX = "query: "  # a word is embedded as a question's words are: hashed apart from passages


def lexicon_words(counts: dict[str, int]) -> list[str]:
    """The library's words worth reading a question's words as: of three letters or more, with a letter."""
    return sorted(w for w in counts if len(w) > 2 and any(c.isalpha() for c in w))


def write_multilingual(folder: Path, passages: list[Passage], words: Sequence[str], model, index_dir: Path,
                       cache_file: Path | None, progress: Callable[[int, int, str], None] | None = None) -> str:
    """Write ``e5.npy`` (with ``e5_hashes.npy``) and the lexicon of ``words`` into ``folder``;
    returns the model's fingerprint. ``progress(done, total, "multilingual vectors")`` hears how
    many of the passages' texts to embed are done."""
    known = _current_vectors(index_dir, model.fingerprint)
    cached = read_vectors(cache_file)
    texts = [p.text for p in passages] + [context_text(p) if p.kind == "statement" else p.text for p in passages]
    hashes = [p.text_hash for p in passages] + [text_hash(t) for t in texts[len(passages):]]
    word_hashes = [text_hash(LEXICON_PREFIX + w) for w in words]
    missing = _missing(hashes, known, cached)
    missing_words = _missing(word_hashes, known, cached)
    if missing or missing_words:
        log.info("multilingual vectors: %d texts and %d words to embed", len(missing), len(missing_words))
    tick = ticker(progress, len(missing), "multilingual vectors")

    fresh = dict(zip((hashes[i] for i in missing), model.passages([texts[i] for i in missing], tick)))
    fresh.update(zip((word_hashes[i] for i in missing_words), model.queries([words[i] for i in missing_words])))

    def stacked(keys: list[str]) -> np.ndarray:
        if not keys:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        return np.stack([known.get(h, cached.get(h, fresh.get(h))) for h in keys]).astype(np.float32)

    np.save(folder / layout.E5, stacked(hashes))
    np.save(folder / layout.E5_HASHES, np.array(hashes + word_hashes))
    np.save(folder / layout.LEXICON, stacked(word_hashes))
    (folder / layout.LEXICON_WORDS).write_text(json.dumps({"words": list(words)}), encoding="utf-8")
    keep_vectors(cache_file, cached, fresh)
    return model.fingerprint


def _current_vectors(index_dir: Path, fingerprint: str) -> dict[str, np.ndarray]:
    """The current version's multilingual vectors by text hash, if they are of this model: its
    passages', and its words' where it has them (a version before the lexicon had none)."""
    path = current_path(index_dir)
    try:
        if path is None or read_manifest(path).get("multilingual") != fingerprint:
            return {}
        hashes = np.load(path / layout.E5_HASHES).tolist()
        passages = np.load(path / layout.E5)
        known = dict(zip(hashes[:len(passages)], passages))
    except (OSError, ValueError, IndexDamaged):
        return {}
    try:
        known.update(zip(hashes[len(passages):], np.load(path / layout.LEXICON)))
    except (OSError, ValueError):
        pass
    return known


def _missing(hashes: list[str], *known: dict) -> list[int]:
    """Where each text not yet embedded first occurs (a text twice is embedded once)."""
    first = {h: i for i, h in reversed(list(enumerate(hashes)))}
    return [i for i, h in enumerate(hashes) if first[h] == i and not any(h in k for k in known)]

