"""Writing files so that a reader sees the old content or the new, never half of either: write
beside the target under a name no other writer uses, then rename over it (atomic on POSIX)."""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


def _temporary(target: Path, suffix: str = "") -> Path:
    unique = f"{os.getpid()}-{threading.get_ident()}-{uuid.uuid4().hex[:6]}"
    return target.with_name(f".{target.name}.{unique}{suffix}")


@contextmanager
def atomic_path(target: Path, suffix: str = "") -> Iterator[Path]:
    """A temporary path beside ``target`` to write to; renamed over ``target`` when the block
    ends without an error, removed otherwise. ``suffix`` for writers that insist on one
    (``np.savez`` adds ``.npz``)."""
    tmp = _temporary(target, suffix)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if tmp.exists() or tmp.is_symlink():
            tmp.unlink()


def write_text(target: Path, text: str) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(target: Path, data, *, indent: int | None = 1) -> None:
    write_text(target, json.dumps(data, indent=indent, ensure_ascii=False))


def write_with(target: Path, writer: Callable[[Path], None], suffix: str = "") -> None:
    """``writer(tmp)`` writes the file; it then replaces ``target``."""
    with atomic_path(target, suffix) as tmp:
        writer(tmp)
