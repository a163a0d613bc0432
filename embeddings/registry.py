"""Which encoder model serves: the base model, or one fine-tuned on the labelled questions.

Fine-tuned models live in ``MODEL_DIR`` (default ``INDEX_DIR/.models``)::

    trained-<key>/            one folder per training run; <key> names base model, labelled
                              data and settings (data_key below)
        model.safetensors ... the sentence-transformers model (weights, tokenizer, config)
        search_params.json    fusion weights and no-answer rule fitted for this model
        card.json             the model card: base model, data key, epochs, seed, held-out
                              figures before and after, the gate's verdict, weights' sha256
        README.md             the same card for people
    cv-<key>.json             a cross-validation record computed here (not the shipped one)
    active.json               the fine-tuned model now chosen
    <fingerprint>/            the int8 ONNX export of a model (embeddings.encoders.onnx_int8)

A start with labelled data that has no model yet trains one, once (embeddings.training.prepare); later
starts find its folder and do not retrain. A folder whose card or weights do not check out is
named in the log and trained again. A model refused by the gate keeps a card saying why, so it
is not retrained at every start; the model that served before keeps serving. When the labelled
data changes, the new model is judged against the base model on the new questions (figures on
different questions do not compare); a model trained with readers' feedback must also not be
worse than the model it extends.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from embeddings import files
from embeddings.config import EngineSettings
from embeddings.corpus.records import Passage
from embeddings.encoders.base import file_sha256, model_fingerprint
from embeddings.errors import EngineError
from embeddings.index.load import passage_units
from embeddings.labels import Row, load_rows
from embeddings.locks import file_lock
from embeddings.search.params import probe_questions

log = logging.getLogger(__name__)

TRAINED_PREFIX = "trained-"

CARD = "card.json"

ACTIVE = "active.json"

WEIGHTS = "model.safetensors"

MIN_QUESTIONS = 20  # fewer answerable labelled questions than this: no fine-tuning


class ModelDamaged(EngineError):
    """A fine-tuned model folder is incomplete or altered; the message names it."""


@dataclass(frozen=True)
class ModelChoice:
    path: str
    trained: bool
    reason: str  # one line: why this model serves
    card: dict | None = None
    candidate: dict | None = None  # the card of a model just trained and refused (its figures, why)


def is_trained(model_path: str | Path) -> bool:
    return (Path(model_path) / CARD).exists()


def learned_passages(model: ModelChoice) -> frozenset[str]:
    """The passages the served model was fine-tuned to find (its labelled questions' answers), as
    its card records them; for a card written before it did, the shipped set's. Empty for the base
    model. Search trusts these as the model ranks them (``search.neighbours``)."""
    if not model.trained:
        return frozenset()
    card = model.card
    if card is None:
        try:
            card = json.loads((Path(model.path) / CARD).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            card = {}
    ids = card.get("learned")
    if ids is None:
        ids = [pid for row in load_rows() if row.answerable for pid in row.expected]
    return frozenset(ids)


def read_card(folder: Path) -> dict:
    """The card of a fine-tuned model folder, after checking the folder is whole."""
    file = folder / CARD
    try:
        card = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelDamaged(f"model folder {folder} has no {CARD} (an interrupted training?)") from exc
    except (OSError, ValueError) as exc:
        raise ModelDamaged(f"model folder {folder}: {CARD} is unreadable ({exc})") from exc
    if not isinstance(card, dict) or "accepted" not in card:
        raise ModelDamaged(f"model folder {folder}: {CARD} is not a model card")
    if not card["accepted"]:
        return card  # a refused model keeps only its card
    weights = folder / WEIGHTS
    if not weights.exists():
        raise ModelDamaged(f"model folder {folder}: {WEIGHTS} is missing")
    if file_sha256(weights) != card.get("weights_sha256"):
        raise ModelDamaged(f"model folder {folder}: {WEIGHTS} does not match the sha256 in its card")
    for name in ("config.json", "tokenizer.json", "search_params.json"):
        if not (folder / name).exists():
            raise ModelDamaged(f"model folder {folder}: {name} is missing")
    return card


def training_lock(root: Path):
    """One training at a time across processes; a second process waits for the first."""
    return file_lock(root / ".train.lock", wait=True, busy="another process is training the model; waiting for it")




def active_model(root: Path) -> tuple[Path, dict] | None:
    """The fine-tuned model that served last, if it is still whole and accepted."""
    try:
        name = json.loads((root / ACTIVE).read_text(encoding="utf-8"))["model"]
        folder = root / name
        card = read_card(folder)
    except (OSError, ValueError, KeyError, TypeError, ModelDamaged):
        return None
    return (folder, card) if card.get("accepted") else None


def search_params_for(model_path: str):
    """The search parameters fitted for a model: its own file (a fine-tuned model); for the
    bundled base model, those the committed cross-validation record fitted for it
    (``benchmarks/tune.py``); otherwise the defaults."""
    from embeddings.registry import shipped_record
    from embeddings.search.params import SearchParams

    if (Path(model_path) / SearchParams.FILE).exists():
        return SearchParams.load(model_path)
    record = shipped_record()
    if record and record.get("base_model") == model_fingerprint(model_path) and record.get("base_params"):
        return SearchParams.from_dict(record["base_params"])
    return SearchParams()


def select_model(
    settings: EngineSettings,
    rows: list[Row] | None = None,
    *,
    report=None,
    cross_validate_again: bool = False,
    config=None,
    feedback: list[Row] | None = None,
    trainer: Callable[..., dict] | None = None,
) -> ModelChoice | None:
    """The model to serve for the labelled data. ``config`` (a TrainConfig) defaults to the
    shipped settings. ``feedback``: readers' helpful answers, trained on beside ``rows``
    (``/reindex retrain:True``); the model they made keeps serving after a restart for as long as
    the labelled data it extends is the same. When no model for the data exists yet: None, or,
    with a ``trainer`` (``embeddings.training.prepare.select_or_train``), the model it trains
    under the training lock."""
    config = config or TrainConfig()
    base_rows = load_rows() if rows is None else rows
    data, why = training_data(settings, base_rows, config)
    if data is None:
        return ModelChoice(settings.model_path, False, why)
    root = settings.model_dir
    base_key = data[2]
    if feedback:
        data, why = training_data(settings, _merged(base_rows, feedback), config)
        if data is None:
            return ModelChoice(settings.model_path, False, why)
    rows, corpus, key = data
    folder = root / f"{TRAINED_PREFIX}{key}"
    # The model that already serves is found without the training lock: another process may hold
    # it for minutes (a /reindex retrain:True cross-validating), and a start must not wait for that.
    if not cross_validate_again:
        ready = _ready(root, folder, base_key, feedback, locked=False)
        if ready is not None:
            return ready
    with training_lock(root):
        if not cross_validate_again:
            ready = _ready(root, folder, base_key, feedback, locked=True)
            if ready is not None:
                return ready
        if trainer is None:  # the caller trains elsewhere (a child process: see prepare_in_child)
            return None
        extra = {"extends": base_key, "feedback_rows": len(rows) - len(base_rows)} if feedback else {}
        card = trainer(settings, rows, corpus, config, key, folder, report, cross_validate_again, extra)
        return _chosen(root, folder, card)


def _ready(root: Path, folder: Path, base_key: str, feedback, *, locked: bool) -> ModelChoice | None:
    """The model to serve if one is ready for this data: a model readers' feedback made on this
    same labelled data, or the folder of this data's key. Without the training lock it only reads,
    and only the model already active counts: choosing another one writes ``active.json``, and a
    damaged folder is removed, both under the lock (the caller looks again holding it)."""
    active = None if feedback else active_model(root)
    if active is not None and active[1].get("extends") == base_key and active[1].get("feedback_rows"):
        # a model readers' feedback made on this same labelled data serves on
        return ModelChoice(str(active[0]), True, f"trained with readers' feedback: {active[1]['reason']}",
                           active[1])
    if not locked:
        serving = active is not None and active[0] == folder
        return ModelChoice(str(folder), True, active[1]["reason"], active[1]) if serving else None
    if not folder.exists():
        return None
    try:
        card = read_card(folder)
    except ModelDamaged as exc:
        log.warning("%s; training it again", exc)
        shutil.rmtree(folder, ignore_errors=True)
        return None
    return _chosen(root, folder, card)


def _merged(rows: list[Row], more: list[Row]) -> list[Row]:
    """``rows`` and the rows of ``more`` whose question is not among them (the first wins)."""
    seen = {r.question.lower() for r in rows}
    out = list(rows)
    for row in more:
        if row.question.lower() not in seen:
            seen.add(row.question.lower())
            out.append(row)
    return out


def training_data(settings: EngineSettings, rows: list[Row] | None, config) -> tuple[tuple | None, str]:
    """(rows usable with this corpus, the corpus's passages by id, the data key), or None and
    why there is nothing to fine-tune on (FINE_TUNE=off, too few labelled questions)."""
    if settings.fine_tune == "off":
        return None, "FINE_TUNE=off: the base model serves"
    from embeddings.corpus.documents import load_corpus
    from embeddings.registry import data_key, usable_rows

    corpus = {p.id: p for p in load_corpus(settings.data_dir, settings.max_document_bytes).passages}
    rows, dropped = usable_rows(load_rows() if rows is None else rows, corpus)
    for line in dropped:
        log.warning("labelled question skipped: %s", line)
    if sum(r.answerable for r in rows) < MIN_QUESTIONS:
        return None, f"fewer than {MIN_QUESTIONS} labelled questions: the base model serves"
    return (rows, corpus, data_key(model_fingerprint(settings.model_path), rows, corpus, config)), ""


def _chosen(root: Path, folder: Path, card: dict) -> ModelChoice:
    if card["accepted"]:
        since = datetime.now(UTC).isoformat(timespec="seconds")
        files.write_json(root / ACTIVE, {"model": folder.name, "since": since})
        return ModelChoice(str(folder), True, card["reason"], card)
    previous = active_model(root)
    if previous is not None:
        return ModelChoice(str(previous[0]), True, f"kept {previous[0].name}: the new model was {card['reason']}",
                           previous[1], card)
    return ModelChoice(card["base_path"], False, f"kept the base model: the fine-tuned one was {card['reason']}",
                       None, card)

SHIPPED_RECORD = "eval/training.json"

# The no-answer model's signals. The share of unknown words was one too, and dropped: it refused
# paraphrases the fine-tuned model answers well, and it drifts most as the library grows
# (docs/quality.md compares the feature sets on the cross-validation).
ANSWER_FEATURES = ("dense", "lexical", "unknown_year")

# Of how search parameters are fitted and what they score: part of the data key, so a change refits.
# 4: a statement's passage has one more unit, itself after its title (index.load.passage_units).
RULE_VERSION = 4


@dataclass(frozen=True)
class TrainConfig:
    """How the encoder is fine-tuned. Part of the cache key: change a value and it retrains."""

    max_epochs: int = 8
    patience: int = 2  # epochs without a better validation MRR before stopping
    learning_rate: float = 4e-5
    batch_size: int = 32
    scale: float = 20.0  # MultipleNegativesRankingLoss: cosine * scale are the logits
    warmup: float = 0.1  # share of steps with a linearly rising learning rate
    seed: int = 13
    folds: int = 5
    stop_share: float = 1 / 6  # of a fold's training rows, kept aside to stop early on

    def to_dict(self) -> dict:
        return asdict(self)


def embedding_text(passage: Passage) -> str:
    """The text a passage is embedded as (its first unit), so training sees what search sees."""
    return passage_units(passage)[0]


def usable_rows(rows: Sequence[Row], passages: dict[str, Passage]) -> tuple[list[Row], list[str]]:
    """Rows whose gold passages all exist in the corpus; the others are named and dropped. A
    reader's "Not helpful" (a known miss) says which passage is wrong, not whether to answer, so
    it is left to evaluate."""
    kept, dropped = [], []
    for row in rows:
        if row.missed:
            continue
        missing = [e for e in row.expected if e not in passages]
        if missing:
            dropped.append(f"{row.question!r}: unknown passage {', '.join(missing)}")
        else:
            kept.append(row)
    return kept, dropped


def data_key(base_fingerprint: str, rows: Sequence[Row], passages: dict[str, Passage],
             config: TrainConfig) -> str:
    """Identity of one training run: base model, settings, rows and the gold passages' text.

    Other passages do not enter: adding a document to ``data/`` does not retrain."""
    digest = hashlib.sha256()
    digest.update(base_fingerprint.encode())
    digest.update(json.dumps(config.to_dict(), sort_keys=True).encode())
    digest.update(json.dumps([RULE_VERSION, ANSWER_FEATURES, probe_questions()]).encode())
    for row in sorted(rows, key=lambda r: (r.question, r.expected)):
        digest.update(json.dumps([row.question, list(row.expected), row.scope, row.type]).encode())
        for pid in row.expected:
            digest.update(hashlib.sha256(embedding_text(passages[pid]).encode()).digest())
    return digest.hexdigest()[:16]


def shipped_record() -> dict | None:
    """The committed cross-validation record of the shipped labelled set, if any."""
    try:
        return json.loads(resources.files("embeddings").joinpath(SHIPPED_RECORD).read_text("utf-8"))
    except (FileNotFoundError, ValueError):
        return None
