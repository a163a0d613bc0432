"""What every encoder shares, with no model library imported: the interface the index and the
search use, a model folder's identity, and offline mode. The PyTorch encoder (encoder.py) and
the ONNX one (onnx_encoder.py) both build on this; ``make_encoder`` (backends.py) picks one."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np


class TextEncoder(Protocol):
    """What the index and the search need from an encoder."""

    backend: str
    fingerprint: str  # recorded in the manifest: an index only serves the encoder that built it
    model_path: str

    @property
    def dimension(self) -> int: ...

    def encode(self, texts: Sequence[str], *, progress: Callable[[int], None] | None = None) -> np.ndarray: ...

    def encode_query(self, text: str) -> np.ndarray: ...

    def warm(self) -> None: ...


def offline() -> None:
    """Never reach for a model hub (the model is a local folder); keep its loaders quiet."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


_FINGERPRINTS: dict[tuple, str] = {}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_fingerprint(model_path: str) -> str:
    """A short, stable identity of a model folder: its name plus a hash of its config files and
    of its weights' bytes (two fine-tuned models of the same size differ). Computed once per
    process for a folder that has not changed."""
    folder = Path(model_path)
    weights = sorted(folder.glob("*.safetensors")) + sorted(folder.glob("*.bin"))
    stamp = (str(folder.resolve()), *((w.name, w.stat().st_size, w.stat().st_mtime_ns) for w in weights))
    cached = _FINGERPRINTS.get(stamp)
    if cached:
        return cached
    digest = hashlib.sha256()
    for name in ("config.json", "modules.json", "sentence_bert_config.json", "tokenizer.json"):
        file = folder / name
        if file.exists():
            digest.update(name.encode())
            digest.update(file.read_bytes())
    for file in weights:
        digest.update(f"{file.name}:{file_sha256(file)}".encode())
    name = f"{folder.parent.name}/{folder.name}" if folder.name == "model" else folder.name
    _FINGERPRINTS[stamp] = fingerprint = f"{name}@{digest.hexdigest()[:12]}"
    return fingerprint
