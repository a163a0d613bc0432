"""Text -> normalised embedding vectors with sentence-transformers (PyTorch), from a local model folder."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from embeddings.encoders.base import model_fingerprint, offline

log = logging.getLogger(__name__)


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
