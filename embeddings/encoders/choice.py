"""The encoder for the configured backend: ``ENCODER=onnx`` (int8 export, the default) or
``torch`` (sentence-transformers)."""

from __future__ import annotations

from pathlib import Path

from embeddings.encoders.base import TextEncoder


def make_encoder(model_path: str, backend: str, cache_dir: Path) -> TextEncoder:
    """The encoder for a backend: "onnx" (int8, the default) or "torch"."""
    if backend == "torch":
        from embeddings.encoders.pytorch import Encoder

        return Encoder(model_path)
    if backend == "onnx":
        from embeddings.encoders.onnx_int8 import OnnxEncoder

        return OnnxEncoder(model_path, cache_dir)
    raise ValueError(f"ENCODER must be onnx or torch, not {backend!r}")
