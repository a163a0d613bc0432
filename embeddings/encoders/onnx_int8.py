"""The fast path: the same model, exported once to ONNX and quantised to int8, run with
onnxruntime and tokenizers only. No torch at query time: start-up in well under a second,
a short question encoded in a few milliseconds.

The export needs torch and transformers (installed anyway) and runs once per model; the result
is cached in ``INDEX_DIR/.models/<model fingerprint>/`` and checked against the PyTorch
embeddings (mean cosine >= 0.99 on sample texts) before it is used.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from embeddings.encoders.base import model_fingerprint, offline
from embeddings.locks import file_lock

log = logging.getLogger(__name__)

ONNX_FILE = "model-int8.onnx"
# The export recipe: part of the fingerprint and the cache folder, so vectors of an older recipe
# are never mixed with new ones (2: per-channel uint8 weights).
RECIPE = 2
# A guard against a broken export; the corpus-wide agreement (>= 0.99) is checked by the tests.
MIN_AGREEMENT = 0.985
# Texts to check the exported model against PyTorch: varied lengths and vocabulary.
CHECK_TEXTS = (
    "Which country did the allies condemn for enabling the attack?",
    "sanctions",
    "Our commitment to Article 5 of the Washington Treaty is iron-clad. We stand united to defend each other.",
    "The Parties agree that an armed attack against one or more of them in Europe or North America shall be "
    "considered an attack against them all; and consequently they agree that, if such an armed attack occurs, "
    "each of them, in exercise of the right of individual or collective self-defence recognised by Article 51 "
    "of the Charter of the United Nations, will assist the Party or Parties so attacked.",
    "How do I bake sourdough bread?",
    "Wie geht es dir? ¿Dónde está la biblioteca? 你好",
)


class OnnxEncoder:
    """Embeds text with an int8 ONNX export of a sentence-transformers model (mean pooling)."""

    backend = "onnx-int8"

    def __init__(self, model_path: str, cache_dir: Path, *, threads: int | None = None) -> None:
        if not Path(model_path).is_dir():
            raise FileNotFoundError(f"embedding model folder not found: {model_path}")
        self.model_path = model_path
        model_id = model_fingerprint(model_path)
        self.fingerprint = f"{model_id}+{self.backend}.r{RECIPE}"
        self.cache_dir = cache_dir / f"{model_id.replace('/', '_').replace('@', '-')}-r{RECIPE}"
        self.threads = threads
        self.build_workers = os.cpu_count() or 2
        self._session = None
        self._tokenizer = None
        self._lock = threading.Lock()
        config = json.loads((Path(model_path) / "config.json").read_text())
        self.dimension = int(config["hidden_size"])
        st_config = Path(model_path) / "sentence_bert_config.json"
        self.max_length = json.loads(st_config.read_text()).get("max_seq_length", 256) if st_config.exists() else 256

    # ------------------------------------------------------------------ loading

    def _load(self):
        with self._lock:
            if self._session is None:
                import onnxruntime as ort
                from tokenizers import Tokenizer

                onnx_path = self.cache_dir / ONNX_FILE
                if not onnx_path.exists():  # once per model; processes starting together take turns
                    with file_lock(self.cache_dir.parent / ".export.lock", wait=True,
                                   busy="another process is exporting the model to ONNX; waiting for it"):
                        if not onnx_path.exists():
                            remove_stale_exports(self.cache_dir.parent)
                            export(self.model_path, self.cache_dir)
                options = ort.SessionOptions()
                options.intra_op_num_threads = self.threads or 1
                options.inter_op_num_threads = 1
                options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
                tokenizer = Tokenizer.from_file(str(Path(self.model_path) / "tokenizer.json"))
                tokenizer.no_padding()  # the bundled file pads to 128: slow for short questions
                tokenizer.enable_truncation(self.max_length)
                self._inputs = {i.name for i in session.get_inputs()}
                self._tokenizer, self._session = tokenizer, session
            return self._session, self._tokenizer

    def warm(self) -> None:
        self.encode_query("warm up")

    # ------------------------------------------------------------------ encoding

    def _run(self, texts: Sequence[str]) -> np.ndarray:
        session, tokenizer = self._load()
        encodings = tokenizer.encode_batch(list(texts))
        length = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), length), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, e in enumerate(encodings):
            ids[row, : len(e.ids)] = e.ids
            mask[row, : len(e.ids)] = 1
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        tokens = session.run(None, feed)[0]  # (batch, length, dim)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (tokens * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)

    def encode(self, texts: Sequence[str], *, progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Float32 unit vectors, one row per text, in order.

        Each text is run on its own: int8 activations are quantised per call, so a text's vector
        would otherwise depend on what it was batched with, and the content-hash cache would not
        be exact. Batching buys nothing here anyway (measured: 101 passages/s one at a time, 72 in
        batches of 32); instead the texts are spread over one worker per core.
        """
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not len(texts):
            return out
        self._load()
        workers = min(self.build_workers, len(texts))

        def run(start: int) -> int:
            stop = min(start + 16, len(texts))
            for i in range(start, stop):
                out[i] = self._run([texts[i]])[0]
            return stop - start

        if workers <= 1:
            for start in range(0, len(texts), 16):
                done = run(start)
                if progress:
                    progress(done)
            return out
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(workers, thread_name_prefix="encode") as pool:
            for done in pool.map(run, range(0, len(texts), 16)):
                if progress:
                    progress(done)
        return out

    def encode_query(self, text: str) -> np.ndarray:
        return self._run([text])[0]


def remove_stale_exports(root: Path) -> None:
    """Work folders of exports that never finished (a process killed outright). Called holding the
    export lock, so no export is running."""
    for stale in root.glob(".export-*"):
        shutil.rmtree(stale, ignore_errors=True)


def export(model_path: str, target: Path) -> Path:
    """Export the model to ONNX, quantise it to int8, check it against PyTorch, then publish it
    into ``target`` atomically. Raises RuntimeError if the int8 model disagrees."""
    target.parent.mkdir(parents=True, exist_ok=True)
    work = target.parent / f".export-{uuid.uuid4().hex[:8]}"
    work.mkdir()
    try:
        started = time.monotonic()
        log.info("exporting the model to int8 ONNX and checking it against PyTorch (once per model)")
        offline()
        fp32 = work / "model-fp32.onnx"
        _export_fp32(model_path, fp32)
        _quantise(fp32, work / ONNX_FILE)
        fp32.unlink()
        agreement = _agreement(model_path, work)
        log.info("int8 ONNX model ready in %.0f s; it agrees with PyTorch: mean cosine %.4f",
                 time.monotonic() - started, agreement)
        if agreement < MIN_AGREEMENT:
            raise RuntimeError(f"the int8 ONNX export disagrees with the PyTorch model (cosine {agreement:.3f})")
        (work / "agreement.json").write_text(json.dumps({"mean_cosine": agreement}))
        if target.exists():
            shutil.rmtree(target)
        os.rename(work, target)
        return target / ONNX_FILE
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _export_fp32(model_path: str, fp32: Path) -> None:
    """The model's token embeddings (last hidden state) as a float32 ONNX graph in ``fp32``."""
    import torch
    from transformers import AutoModel

    bert = AutoModel.from_pretrained(model_path, attn_implementation="eager").eval()

    class TokenEmbeddings(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state

    model = TokenEmbeddings().eval()
    sample = {
        "input_ids": torch.ones(1, 8, dtype=torch.long),
        "attention_mask": torch.ones(1, 8, dtype=torch.long),
        "token_type_ids": torch.zeros(1, 8, dtype=torch.long),
    }
    axes = {0: "batch", 1: "tokens"}
    # The exporter's and the quantiser's advice (TracerWarning, "consider pre-processing") is
    # not for the operator: kept at debug level.
    with torch.no_grad(), _quiet_libraries():
        torch.onnx.export(
            model, (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]), str(fp32),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes,
                          "last_hidden_state": axes},
            opset_version=17, dynamo=False,
        )


def _quantise(fp32: Path, int8: Path) -> None:
    """The float32 graph ``fp32`` with its weights quantised to uint8, in ``int8``."""
    # Per-channel uint8 weights on the unfused graph. Measured on the corpus (561 texts), mean
    # cosine to PyTorch: base model 0.9914, fine-tuned 0.9916 (int8 weights: 0.9888 / 0.9894;
    # quantising after onnxruntime's BERT fusion, or per tensor: ~0.95). onnxruntime still
    # applies its own graph optimisations when the session loads.
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with _quiet_libraries():
        quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QUInt8, per_channel=True,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})


@contextlib.contextmanager
def _quiet_libraries():
    """Warnings and root-logger advice of torch.onnx and onnxruntime, logged at debug level."""
    root = logging.getLogger()
    level = root.level
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        root.setLevel(logging.ERROR)  # onnxruntime's quantiser advises through the root logger
        try:
            yield
        finally:
            root.setLevel(level)
    for warning in caught:
        log.debug("during the export: %s: %s", warning.category.__name__, warning.message)


def _agreement(model_path: str, folder: Path) -> float:
    from embeddings.encoders.pytorch import Encoder

    reference = Encoder(model_path).encode(list(CHECK_TEXTS))
    candidate = OnnxEncoder(model_path, folder.parent)
    candidate.cache_dir = folder  # the export not yet published
    got = candidate.encode(list(CHECK_TEXTS))
    return float(np.mean(np.sum(reference * got, axis=1)))
