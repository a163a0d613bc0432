"""Vectors by the hash of their text, kept in MODEL_DIR beside the models: one ``.npz`` per model,
shared by every index folder that uses that model folder. A rebuild that cannot reuse its previous
version (a damaged index, a new INDEX_DIR, a model served again after another, a document removed
and added back) embeds only text this model has never embedded.

A file that cannot be read is an empty cache (the text is embedded again); writes replace the file
whole (``embeddings.files``), so processes sharing MODEL_DIR never see half of one. A cache stops
growing at ``MAX_VECTORS`` (about 300 MB of dense vectors): past that, the index's own versions are
the cache, as before.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from embeddings import files

log = logging.getLogger(__name__)

MAX_VECTORS = 200_000


def read_vectors(file: Path | None) -> dict:
    """hash -> vector, as kept in ``file``; empty if there is none or it cannot be read."""
    if file is None:
        return {}
    try:
        with np.load(file) as data:
            hashes, vectors = data["hashes"], data["vectors"]
            if len(hashes) != len(vectors):
                raise ValueError("hashes and vectors disagree")
            return dict(zip(hashes.tolist(), vectors))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError) as exc:
        log.info("not reusing the vectors kept in %s: %s", file, exc)
        return {}


def keep_vectors(file: Path | None, kept: dict, new: dict) -> None:
    """Add ``new`` to what ``file`` held (``kept``, from ``read_vectors``) and write it, unless
    nothing is new or the cache would pass ``MAX_VECTORS``. A write that fails is logged: the
    index it came from is built all the same."""
    fresh = {h: v for h, v in new.items() if h not in kept}
    if file is None or not fresh:
        return
    if len(kept) + len(fresh) > MAX_VECTORS:
        log.info("vectors not kept in %s: more than %d", file, MAX_VECTORS)
        return
    merged = {**kept, **fresh}
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        files.write_with(file, lambda tmp: np.savez(tmp, hashes=np.array(list(merged)),
                                                   vectors=np.stack(list(merged.values()))), ".npz")
    except OSError as exc:
        log.info("vectors not kept in %s: %s", file, exc)
