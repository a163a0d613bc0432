"""Child processes the engine starts (``python -m embeddings prepare`` / ``train``): their
progress relayed line by line, and their life tied to the parent's (own process group, ended
with it; on Linux, SIGTERM when the parent dies)."""

from __future__ import annotations

import json
import logging
import os
import re
import time
from pathlib import Path

from embeddings.config import EngineSettings
from embeddings.labels import Row
from embeddings.registry import ModelDamaged

log = logging.getLogger(__name__)


def child_env(settings: EngineSettings) -> dict[str, str]:
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
    code, tail = run_child([sys.executable, "-m", "embeddings", "prepare"], child_env(settings),
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
        code, tail = run_child(command, child_env(settings), report)
    if code != 0:
        raise ModelDamaged(f"retraining failed (python -m embeddings train exited {code}): " + " / ".join(tail))
