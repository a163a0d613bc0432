"""Which encoder model serves: the base model, or one fine-tuned on the labelled questions.

Fine-tuned models live in ``MODEL_DIR`` (default ``INDEX_DIR/.models``)::

    trained-<key>/            one folder per training run; <key> names base model, labelled
                              data and settings (embeddings.train.data_key)
        model.safetensors ... the sentence-transformers model (weights, tokenizer, config)
        search_params.json    fusion weights and no-answer rule fitted for this model
        card.json             the model card: base model, data key, epochs, seed, held-out
                              figures before and after, the gate's verdict, weights' sha256
        README.md             the same card for people
    cv-<key>.json             a cross-validation record computed here (not the shipped one)
    active.json               the fine-tuned model now chosen
    <fingerprint>/            the int8 ONNX export of a model (embeddings.onnx_encoder)

A start with labelled data that has no model yet trains one, once; later
starts find its folder and do not retrain. A folder whose card or weights do not check out is
named in the log and trained again. A model refused by the gate keeps a card saying why, so it
is not retrained at every start; the model that served before keeps serving. When the labelled
data changes, the new model is judged against the base model on the new questions (figures on
different questions do not compare); a model trained with readers' feedback must also not be
worse than the model it extends.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .config import EngineSettings
from .errors import EngineError
from .evaluate import Row, load_rows
from .locks import file_lock
from .modelfiles import file_sha256, model_fingerprint

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


def _lock(root: Path):
    """One training at a time across processes; a second process waits for the first."""
    return file_lock(root / ".train.lock", wait=True, busy="another process is training the model; waiting for it")


def _write_json(file: Path, data: dict) -> None:
    tmp = file.with_name(f".{file.name}.{uuid.uuid4().hex[:6]}")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, file)


def _active(root: Path) -> tuple[Path, dict] | None:
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
    from .search import SearchParams
    from .train import shipped_record

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
    train: bool = True,
) -> ModelChoice | None:
    """The model to serve, training one first if the labelled data has none yet. ``config``
    (a TrainConfig) defaults to the shipped settings. ``feedback``: readers' helpful answers,
    trained on beside ``rows`` (``/reindex retrain:True``); the model they made keeps serving
    after a restart for as long as the labelled data it extends is the same. ``train=False``:
    None instead of training when no model for the data exists yet."""
    from .evaluate import load_rows
    from .train import TrainConfig

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
    with _lock(root):
        if not cross_validate_again:
            ready = _ready(root, folder, base_key, feedback, locked=True)
            if ready is not None:
                return ready
        if not train:  # the caller trains elsewhere (a child process: see prepare_in_child)
            return None
        extra = {"extends": base_key, "feedback_rows": len(rows) - len(base_rows)} if feedback else {}
        card = _train(settings, rows, corpus, config, key, folder, report, cross_validate_again, extra)
        return _chosen(root, folder, card)


def _ready(root: Path, folder: Path, base_key: str, feedback, *, locked: bool) -> ModelChoice | None:
    """The model to serve if one is ready for this data: a model readers' feedback made on this
    same labelled data, or the folder of this data's key. Without the training lock it only reads,
    and only the model already active counts: choosing another one writes ``active.json``, and a
    damaged folder is removed, both under the lock (the caller looks again holding it)."""
    active = None if feedback else _active(root)
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
    from .documents import load_corpus
    from .train import data_key, usable_rows

    corpus = {p.id: p for p in load_corpus(settings.data_dir).passages}
    rows, dropped = usable_rows(load_rows() if rows is None else rows, corpus)
    for line in dropped:
        log.warning("labelled question skipped: %s", line)
    if sum(r.answerable for r in rows) < MIN_QUESTIONS:
        return None, f"fewer than {MIN_QUESTIONS} labelled questions: the base model serves"
    return (rows, corpus, data_key(model_fingerprint(settings.model_path), rows, corpus, config)), ""


def _chosen(root: Path, folder: Path, card: dict) -> ModelChoice:
    if card["accepted"]:
        _write_json(root / ACTIVE, {"model": folder.name, "since": datetime.now(UTC).isoformat(timespec="seconds")})
        return ModelChoice(str(folder), True, card["reason"], card)
    previous = _active(root)
    if previous is not None:
        return ModelChoice(str(previous[0]), True, f"kept {previous[0].name}: the new model was {card['reason']}",
                           previous[1], card)
    return ModelChoice(card["base_path"], False, f"kept the base model: the fine-tuned one was {card['reason']}",
                       None, card)


def cv_record(settings: EngineSettings, rows: list[Row], key: str, *, again: bool = False, report=None,
              config=None) -> dict:
    """The cross-validation record for these rows: the shipped one if it is for exactly this
    data, one computed here before, or a new run (minutes)."""
    from .train import TrainConfig, cross_validate, shipped_record

    file = settings.model_dir / f"cv-{key}.json"
    if not again:
        shipped = shipped_record()
        if shipped and shipped.get("key") == key:
            return shipped
        try:
            return json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
    log.info("cross-validating fine-tuning on %d labelled questions (a few minutes)", len(rows))
    record = cross_validate(settings.model_path, rows, settings.data_dir, config or TrainConfig(), report=report)
    settings.model_dir.mkdir(parents=True, exist_ok=True)
    _write_json(file, record)
    return record


def _train(settings, rows, corpus, config, key, folder: Path, report, again: bool, extra: dict | None = None) -> dict:
    from .search import SearchParams
    from .train import fit, gate, save_model

    say = report or log.info
    record = cv_record(settings, rows, key, again=again, report=report, config=config)
    card = {
        "key": key,
        "base_model": record["base_model"],
        "base_path": settings.model_path,
        "questions": record["answerable"],
        "seed": config.seed,
        "config": record["config"],
        "epochs": record["final_epochs"],
        "heldout": {"base": record["base"], "trained": record["trained"], "folds": config.folds},
        "accepted": record["accepted"],
        "reason": record["reason"],
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **(extra or {}),
    }
    # Readers' feedback extends the labelled data the serving model was trained for: the new
    # model must also not be worse than that one. A model for other labelled data (the shipped
    # set grew) is judged against the base model only, on its own questions: held-out figures on
    # different sets of questions do not compare.
    for stale in settings.model_dir.glob(f".tmp-{TRAINED_PREFIX}*"):  # a training killed outright; we hold the lock
        shutil.rmtree(stale, ignore_errors=True)
    previous = _active(settings.model_dir)
    extends = (extra or {}).get("extends")
    if (card["accepted"] and previous is not None and previous[0] != folder and extends
            and extends in (previous[1].get("key"), previous[1].get("extends"))):
        ok, why = gate(record["trained"]["pooled"], previous[1]["heldout"]["trained"]["pooled"], previous[0].name)
        card["accepted"], card["reason"] = ok, why
    folder.parent.mkdir(parents=True, exist_ok=True)
    if not card["accepted"]:
        log.warning("fine-tuned model %s", card["reason"])
        folder.mkdir(exist_ok=True)
        _write_json(folder / CARD, card)
        return card
    started = time.perf_counter()
    say(f"fine-tuning {Path(settings.model_path).name} on {record['answerable']} labelled questions, "
        f"{record['final_epochs']} epochs (once)")
    model, _, history = fit(settings.model_path, [r for r in rows if r.answerable], corpus, config,
                            epochs=record["final_epochs"], report=say)
    tmp = folder.with_name(f".tmp-{folder.name}-{uuid.uuid4().hex[:6]}")
    try:
        save_model(model, tmp)
        _write_json(tmp / SearchParams.FILE, record["params"])
        if folder.exists():
            shutil.rmtree(folder)
        os.rename(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    card.update(history=history, train_seconds=round(time.perf_counter() - started, 1),
                weights_sha256=file_sha256(folder / WEIGHTS))
    if settings.encoder == "onnx":
        from .onnx_encoder import OnnxEncoder

        onnx = OnnxEncoder(str(folder), settings.model_dir)
        onnx.warm()  # exports once, refusing an export that disagrees with PyTorch
        card["onnx_agreement"] = json.loads((onnx.cache_dir / "agreement.json").read_text())["mean_cosine"]
    (folder / "README.md").write_text(model_card_text(card), encoding="utf-8")
    _write_json(folder / CARD, card)  # written last: a folder with a card is complete
    say(f"fine-tuned model ready in {card['train_seconds']:.0f} s: {folder}")
    return card


def model_card_text(card: dict) -> str:
    held = card["heldout"]
    lines = [
        f"# Fine-tuned {card['base_model']}",
        "",
        f"- base model: `{card['base_model']}` ({card['base_path']})",
        f"- labelled data key: `{card['key']}` ({card['questions']} answerable questions)",
        f"- epochs: {card['epochs']}, seed: {card['seed']}, settings: `{json.dumps(card['config'])}`",
        f"- trained: {card['trained_at']}, weights sha256 `{card.get('weights_sha256', '')[:16]}…`",
        f"- verdict: {card['reason']}",
        "",
        f"Held-out figures ({held['folds']}-fold cross-validation: each question scored by a model, and with search "
        "parameters, that never saw it; mean ± spread over folds):",
        "",
        "| figure | base | fine-tuned |",
        "|---|---|---|",
    ]
    for key in ("recall@1", "recall@3", "mrr", "off_topic_rejected", "false_rejection"):
        b, t = held["base"], held["trained"]
        lines.append(f"| {key} | {b['mean'][key]:.3f} ± {b['std'][key]:.3f} | {t['mean'][key]:.3f} ± "
                     f"{t['std'][key]:.3f} |")
    lines += ["", "This model then trained on all the labelled questions; its figures on them are not held-out."]
    return "\n".join(lines) + "\n"


def _child_env(settings: EngineSettings) -> dict[str, str]:
    return {**os.environ, "DATA_DIR": str(settings.data_dir), "INDEX_DIR": str(settings.index_dir),
            "MODEL_DIR": str(settings.model_dir), "EMBEDDING_MODEL": settings.model, "ENCODER": settings.encoder,
            "FINE_TUNE": settings.fine_tune, "MULTILINGUAL": settings.multilingual}


_LEVEL_RE = re.compile(r"^(DEBUG|INFO|WARNING|ERROR|CRITICAL) (?:[\w.]+: )?")


def run_child(command: list[str], env: dict[str, str], report=None) -> tuple[int, list[str]]:
    """Run ``python -m embeddings ...`` in a child process and pass each line it prints to
    ``report`` (without its log prefix). Returns its exit code and its last lines.

    The child is the leader of its own process group and is stopped with this process: when this
    call ends early (SIGTERM or SIGINT here, or an error), the whole group is ended, and on Linux
    the child also gets SIGTERM if this process dies outright. A stop never leaves a training
    running on, slowing all that follows; the next start begins cleanly (the locks die with
    the child, and its half-written folders are removed under them)."""
    import signal
    import subprocess
    import threading

    def interrupted(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, interrupted)
    child = subprocess.Popen(command, env={**env, PARENT_ENV: str(os.getpid())}, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True, start_new_session=True)
    tail: list[str] = []
    try:
        for line in child.stderr:
            line = line.rstrip()
            if line:
                tail = (tail + [_LEVEL_RE.sub("", line)])[-5:]
                if report:
                    report(tail[-1])
        return child.wait(), tail
    finally:
        if child.poll() is None:
            _end_group(child)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _end_group(child) -> None:
    import signal
    import subprocess

    log.warning("stopping the child process %d (%s)", child.pid, " ".join(child.args[1:4]))
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(child.pid, sig)
        except ProcessLookupError:
            return
        try:
            child.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


PARENT_ENV = "STATEMENT_BOT_PARENT_PID"  # set for a child run_child starts: the pid it must not outlive


def die_with_parent() -> None:
    """In a child run_child started: ask Linux for SIGTERM when the parent dies (PR_SET_PDEATHSIG),
    and end at once if it died already. Elsewhere, or without the variable, nothing."""
    import signal

    parent = os.environ.get(PARENT_ENV, "")
    if not parent.isdigit():
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM))  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return  # not Linux: a graceful stop of the parent still ends the process group
    if os.getppid() != int(parent):
        raise SystemExit("the process that started this one has exited")


def prepare_in_child(settings: EngineSettings) -> None:
    """Fine-tune (if needed), export the model to ONNX and build the index in a child process,
    ``python -m embeddings prepare``: the first two need torch, which then never loads in the
    serving process (about 850 MB resident for as long as the bot runs, against ~200 MB
    without), and the build's working memory goes with the child. Its progress (fine-tuning
    steps, the export, texts embedded, each with the time left) goes to this process's log.
    Raises ModelDamaged if it fails."""
    import sys

    started = time.perf_counter()
    log.warning("first start: preparing the model and the index, once (fine-tuning the model on the labelled "
                "questions if needed, exporting it to ONNX, embedding the documents): a few minutes on "
                "a small machine. Later starts take seconds. Progress follows, with the time left.")
    code, tail = run_child([sys.executable, "-m", "embeddings", "prepare"], _child_env(settings),
                           lambda line: log.info("first start: %s", line))
    if code != 0:
        raise ModelDamaged(f"preparing the model failed (python -m embeddings prepare exited {code}): "
                           + " / ".join(tail[-3:]))
    log.warning("first start: model and index ready in %.0f s", time.perf_counter() - started)


def train_in_child(settings: EngineSettings, feedback: list[Row], config, report=None) -> None:
    """``python -m embeddings train --feedback FILE`` in a child process (torch, minutes), its
    progress lines passed to ``report``. Raises ModelDamaged if it fails."""
    import sys
    import tempfile
    from dataclasses import asdict

    with tempfile.TemporaryDirectory() as tmp:
        rows = Path(tmp) / "feedback.jsonl"
        rows.write_text("".join(json.dumps({"question": r.question, "vote": "up", "scope": r.scope,
                                            "passages": [{"id": e} for e in r.expected]}) + "\n" for r in feedback),
                        encoding="utf-8")
        command = [sys.executable, "-m", "embeddings", "train", "--feedback", str(rows)]
        if config is not None:
            command += ["--config", json.dumps(asdict(config))]
        code, tail = run_child(command, _child_env(settings), report)
    if code != 0:
        raise ModelDamaged(f"retraining failed (python -m embeddings train exited {code}): " + " / ".join(tail))
