"""Text -> normalised embedding vectors, from a local sentence-transformers model folder."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

log = logging.getLogger(__name__)


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


class Encoder:
    """Embeds text with sentence-transformers (PyTorch). Thread-safe; loads lazily.

    The reference implementation; the default is the faster int8 ONNX export of the same model
    (``onnx_encoder.OnnxEncoder``), checked against this one."""

    backend = "torch"

    def __init__(self, model_path: str) -> None:
        if not Path(model_path).is_dir():
            raise FileNotFoundError(f"embedding model folder not found: {model_path}")
        self.model_path = model_path
        self.fingerprint = model_fingerprint(model_path)
        self._model = None
        self._lock = threading.Lock()

    @classmethod
    def from_model(cls, model, name: str) -> Encoder:
        """An encoder around a model already in memory (cross-validation folds)."""
        encoder = cls.__new__(cls)
        encoder.model_path = name
        encoder.fingerprint = f"in-memory/{name}@{id(model):x}"
        encoder._model = model
        encoder._lock = threading.Lock()
        return encoder

    def _load(self):
        with self._lock:
            if self._model is None:
                offline()
                from sentence_transformers import SentenceTransformer  # heavy: import late

                log.info("loading embedding model from %s", self.model_path)
                self._model = SentenceTransformer(self.model_path, device="cpu")
            return self._model

    @property
    def dimension(self) -> int:
        model = self._load()
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def encode(
        self,
        texts: Sequence[str],
        *,
        batch_size: int = 64,
        progress: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """Return float32 unit vectors, one row per text, in order."""
        model = self._load()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # Sort by length so batches pad little; restore the order afterwards.
        order = np.argsort([len(t) for t in texts])
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            chunk = order[start:start + batch_size]
            vectors = model.encode(
                [texts[i] for i in chunk],
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            out[chunk] = vectors.astype(np.float32, copy=False)
            if progress:
                progress(len(chunk))
        return out

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]

    def warm(self) -> None:
        self.encode_query("warm up")


def make_encoder(model_path: str, backend: str, cache_dir: Path) -> TextEncoder:
    """The encoder for a backend: "onnx" (int8, the default) or "torch"."""
    if backend == "torch":
        return Encoder(model_path)
    if backend == "onnx":
        from .onnx_encoder import OnnxEncoder

        return OnnxEncoder(model_path, cache_dir)
    raise ValueError(f"ENCODER must be onnx or torch, not {backend!r}")
