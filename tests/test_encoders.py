"""The fast int8 ONNX encoder against the PyTorch reference, on the whole corpus."""

import numpy as np
import pytest

from embeddings.index.load import passage_units


@pytest.mark.slow
def test_onnx_agrees_with_torch_on_the_corpus(engine, encoder, torch_encoder):
    """The vectors that serve (the index's, from the int8 ONNX export) against PyTorch's, for
    every third text embedded for the corpus (passages and sentences of every document)."""
    texts = [t for p in engine.index.passages for t in passage_units(p)]
    assert len(texts) == len(engine.index.vectors) and engine.index.manifest["model"] == encoder.fingerprint
    assert np.allclose(encoder.encode(texts[:8]), engine.index.vectors[:8], atol=1e-5)  # in the same order
    texts, fast = texts[::3], np.asarray(engine.index.vectors[::3])
    reference = torch_encoder.encode(texts)
    cosines = np.sum(fast * reference, axis=1)
    print(f"\nint8 ONNX vs PyTorch on {len(texts)} corpus texts: mean cosine {cosines.mean():.4f}, "
          f"min {cosines.min():.4f}")
    assert cosines.mean() >= 0.99
    assert cosines.min() >= 0.97
    assert np.allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-4)


def test_query_encoding_matches_batch_encoding(encoder):
    texts = ["sanctions", "Which country did the allies condemn for enabling the attack?"]
    batch = encoder.encode(texts)
    for text, row in zip(texts, batch):
        assert np.dot(encoder.encode_query(text), row) > 0.999


def test_fingerprints_differ_by_backend(encoder, torch_encoder):
    assert encoder.fingerprint != torch_encoder.fingerprint
    assert "+onnx-int8.r" in encoder.fingerprint and "+" not in torch_encoder.fingerprint
