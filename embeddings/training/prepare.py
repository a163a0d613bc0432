"""Making a model for serving: fine-tuning the base model on the labelled questions (with the
cross-validation record that judges it), exporting it to ONNX, writing its folder and model card
(``train_model``); and doing that in a child process, so torch never loads in the serving
process (``prepare_in_child``, ``train_in_child``). Which model serves, and the folder layout,
are ``embeddings.registry``'s."""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from embeddings import files
from embeddings.config import EngineSettings
from embeddings.encoders.base import file_sha256
from embeddings.labels import Row
from embeddings.registry import CARD, TRAINED_PREFIX, WEIGHTS, ModelChoice, active_model, select_model

log = logging.getLogger(__name__)


def cv_record(settings: EngineSettings, rows: list[Row], key: str, *, again: bool = False, report=None,
              config=None) -> dict:
    """The cross-validation record for these rows: the shipped one if it is for exactly this
    data, one computed here before, or a new run (minutes)."""
    from embeddings.registry import TrainConfig, shipped_record
    from embeddings.training.crossval import cross_validate

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
    files.write_json(file, record)
    return record


def train_model(settings, rows, corpus, config, key, folder: Path, report, again: bool,
                extra: dict | None = None) -> dict:
    from embeddings.training.crossval import gate
    from embeddings.training.fit import fit

    say = report or log.info
    record = cv_record(settings, rows, key, again=again, report=report, config=config)
    card = _first_card(settings, record, config, key, extra)
    card["learned"] = sorted({pid for row in rows if row.answerable for pid in row.expected})  # search trusts these
    # Readers' feedback extends the labelled data the serving model was trained for: the new
    # model must also not be worse than that one. A model for other labelled data (the shipped
    # set grew) is judged against the base model only, on its own questions: held-out figures on
    # different sets of questions do not compare.
    for stale in settings.model_dir.glob(f".tmp-{TRAINED_PREFIX}*"):  # a training killed outright; we hold the lock
        shutil.rmtree(stale, ignore_errors=True)
    previous = active_model(settings.model_dir)
    extends = (extra or {}).get("extends")
    if (card["accepted"] and previous is not None and previous[0] != folder and extends
            and extends in (previous[1].get("key"), previous[1].get("extends"))):
        ok, why = gate(record["trained"]["pooled"], previous[1]["heldout"]["trained"]["pooled"], previous[0].name)
        card["accepted"], card["reason"] = ok, why
    folder.parent.mkdir(parents=True, exist_ok=True)
    if not card["accepted"]:
        log.warning("fine-tuned model %s", card["reason"])
        folder.mkdir(exist_ok=True)
        files.write_json(folder / CARD, card)
        return card
    started = time.perf_counter()
    say(f"fine-tuning {Path(settings.model_path).name} on {record['answerable']} labelled questions, "
        f"{record['final_epochs']} epochs (once)")
    model, _, history = fit(settings.model_path, [r for r in rows if r.answerable], corpus, config,
                            epochs=record["final_epochs"], report=say)
    _save_folder(model, record["params"], folder)
    card.update(history=history, train_seconds=round(time.perf_counter() - started, 1),
                weights_sha256=file_sha256(folder / WEIGHTS))
    if settings.encoder == "onnx":
        from embeddings.encoders.onnx_int8 import OnnxEncoder

        onnx = OnnxEncoder(str(folder), settings.model_dir)
        onnx.warm()  # exports once, refusing an export that disagrees with PyTorch
        card["onnx_agreement"] = json.loads((onnx.cache_dir / "agreement.json").read_text())["mean_cosine"]
    (folder / "README.md").write_text(model_card_text(card), encoding="utf-8")
    files.write_json(folder / CARD, card)  # written last: a folder with a card is complete
    say(f"fine-tuned model ready in {card['train_seconds']:.0f} s: {folder}")
    return card


def _first_card(settings, record: dict, config, key: str, extra: dict | None) -> dict:
    """The model card as the cross-validation record judges the model, before any training."""
    return {
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


def _save_folder(model, params: dict, folder: Path) -> None:
    """The model and its search parameters in ``folder``, replacing it whole: written to a
    temporary folder first, then renamed."""
    from embeddings.search.params import SearchParams
    from embeddings.training.fit import save_model

    tmp = folder.with_name(f".tmp-{folder.name}-{uuid.uuid4().hex[:6]}")
    try:
        save_model(model, tmp)
        files.write_json(tmp / SearchParams.FILE, params)
        if folder.exists():
            shutil.rmtree(folder)
        os.rename(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


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


def select_or_train(settings: EngineSettings, rows: list[Row] | None = None, **options) -> ModelChoice:
    """``registry.select_model``, training the model (here, with torch) when the labelled data
    has none yet: the first start's child process and ``python -m embeddings train``."""
    return select_model(settings, rows, trainer=lambda *args: train_model(*args), **options)
