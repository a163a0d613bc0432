"""Shared fixtures: the real model, and an index built once from a copy of data/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from embeddings.backends import make_encoder
from embeddings.config import PROJECT_ROOT, EngineSettings, bundled_model_path
from embeddings.encoder import Encoder
from embeddings.models import ModelChoice, select_model
from embeddings.service import Engine

from . import botkit
from .emulator import DiscordEmulator

DATA = PROJECT_ROOT / "data"
STATEMENT_FILE = "000_cf6b84a07b3c0ba3.txt"


def copy_data(target: Path) -> Path:
    """Copy the shipped documents (not the index) into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for file in DATA.iterdir():
        if file.is_file():
            shutil.copy2(file, target / file.name)
    return target


def settings_env(settings: EngineSettings) -> dict[str, str]:
    """The environment that points a subprocess at these settings' data, index and models."""
    return {"DATA_DIR": str(settings.data_dir), "INDEX_DIR": str(settings.index_dir),
            "MODEL_DIR": str(settings.model_dir)}


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory) -> Path:
    """One folder of trained models and ONNX exports for the whole session: the product model
    is fine-tuned once, as on a first start, and every test shares it."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def engine_settings(tmp_path_factory, model_dir) -> EngineSettings:
    root = tmp_path_factory.mktemp("corpus")
    data_dir = copy_data(root / "data")
    return EngineSettings(data_dir=data_dir, index_dir=root / "index", model="", model_dir=model_dir)


@pytest.fixture(scope="session")
def model_choice(engine_settings) -> ModelChoice:
    """What a first start chooses: the bundled model fine-tuned on the shipped labelled set."""
    return select_model(engine_settings)


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


@pytest.fixture(scope="session")
def engine(engine_settings, encoder) -> Engine:
    """The shipped corpus, indexed once for the whole session. Tests must not modify it."""
    engine = Engine(engine_settings, encoder=encoder)
    engine.load()
    return engine


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


@pytest.fixture(scope="module")
async def world(tmp_path_factory, engine, encoder):
    """An emulator and a connected bot with its own copy of the data and index."""
    root = tmp_path_factory.mktemp("bot")
    data = copy_data(root / "data")
    shutil.copytree(engine.settings.index_dir, root / "index", symlinks=True)
    engine_settings = EngineSettings(data_dir=data, index_dir=root / "index", model="",
                                     model_dir=engine.settings.model_dir)
    emu = await DiscordEmulator().start()
    settings = botkit.settings_for(emu, engine_settings)
    bot, task = await botkit.start_bot(emu, settings, encoder)
    yield emu, bot, settings
    await botkit.stop_bot(bot, task)
    await emu.stop()


