"""A lock across processes on one file (shards and a first start share INDEX_DIR)."""

from __future__ import annotations

import contextlib
import fcntl
import logging
from pathlib import Path

from embeddings.errors import BuildInProgress

log = logging.getLogger(__name__)


@contextlib.contextmanager
def file_lock(path: Path, *, wait: bool, busy: str):
    """An exclusive lock across processes on the file ``path``. If another process holds it:
    with ``wait``, log ``busy`` and wait for it; otherwise raise BuildInProgress(``busy``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            if not wait:
                raise BuildInProgress(busy) from exc
            log.info("%s", busy)
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
