"""The life of index versions in INDEX_DIR: a finished version made durable (fsync) and swapped in
as ``current`` atomically, and old and half-written versions removed once no reader can need them
(a replaced version is kept OLD_VERSION_GRACE seconds, and the last OLD_VERSIONS_KEPT however old)."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import time
import uuid
from functools import cache
from pathlib import Path

from embeddings.index import layout
from embeddings.index.layout import CURRENT, REPLACED, current_path

log = logging.getLogger(__name__)


@cache
def rules_digest() -> str:
    """A digest of the code that reads documents and builds an index from them (what is embedded
    for a passage is load.py's): an index built by other rules (an upgrade that splits, embeds or
    names voices differently) is rebuilt even though its files are unchanged; the vectors of
    unchanged texts are reused, so this costs seconds."""
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for file in sorted([*(here.parent / "corpus").rglob("*.py"), here / "build.py", here / "load.py",
                          here / "multilingual_vectors.py"]):
        digest.update(file.relative_to(here.parent).as_posix().encode() + file.read_bytes())
    return digest.hexdigest()[:16]


OLD_VERSION_GRACE = 600.0  # seconds a replaced version is kept at least
OLD_VERSIONS_KEPT = 2  # ... and the last replaced versions are kept however old


def fsync_tree(folder: Path) -> None:
    for file in folder.rglob("*"):
        if file.is_file():
            with open(file, "rb") as fh:
                os.fsync(fh.fileno())


def swap_current(index_dir: Path, target: Path) -> None:
    previous = current_path(index_dir)
    link = index_dir / CURRENT
    tmp_link = index_dir / f".link-{uuid.uuid4().hex[:8]}"
    os.symlink(target.name, tmp_link)
    os.replace(tmp_link, link)  # atomic: readers see the old or the new index, never neither
    if previous is not None and previous.is_dir() and previous.name != target.name:
        try:  # when it stopped being current: the grace period of old versions runs from here
            (previous / REPLACED).write_text(f"{time.time():.3f}\n", encoding="utf-8")
        except OSError as exc:
            log.warning("could not mark %s as replaced (%s); it is kept as one of the last versions", previous, exc)


def replaced_at(version: Path) -> float:
    """When ``version`` stopped being current (a version from before the marker existed: its
    folder's time)."""
    try:
        return float((version / REPLACED).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return version.stat().st_mtime


def remove_stale(index_dir: Path) -> None:
    """Temporary folders of builds that were killed (we hold the build lock, so none is live)."""
    for entry in index_dir.glob(".tmp-*"):
        shutil.rmtree(entry, ignore_errors=True)
    for entry in index_dir.glob(".link-*"):
        entry.unlink(missing_ok=True)


def remove_old_versions(index_dir: Path, keep: set[str], grace_seconds: float = OLD_VERSION_GRACE,
                         keep_last: int = OLD_VERSIONS_KEPT) -> None:
    """Drop versions no longer current, except the ``keep_last`` most recently replaced and any
    replaced less than ``grace_seconds`` ago: other processes (shards) may still be reading
    them until they notice the new one (they check every 30 s)."""
    now = time.time()
    current = current_path(index_dir)
    old = sorted(((replaced_at(v), v) for v in index_dir.glob(f"{layout.VERSION_PREFIX}*")
                  if v.name not in keep and (current is None or v.name != current.name)), reverse=True)
    for i, (at, version) in enumerate(old):
        if i < keep_last or now - at < grace_seconds:
            continue
        shutil.rmtree(version, ignore_errors=True)
