"""Shared fixtures: the real model, and an index built once from a copy of data/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from embeddings.config import PROJECT_ROOT, EngineSettings, bundled_model_path
from embeddings.encoder import Encoder, make_encoder
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


@pytest.fixture(scope="session")
def engine_settings(tmp_path_factory) -> EngineSettings:
    root = tmp_path_factory.mktemp("corpus")
    data_dir = copy_data(root / "data")
    return EngineSettings(data_dir=data_dir, index_dir=root / "index", model="")


@pytest.fixture(scope="session")
def encoder(engine_settings):
    """The shipped default: the int8 ONNX export of the bundled model (exported once here, into
    the index folder, so copies of that folder carry it)."""
    return make_encoder(bundled_model_path(), "onnx", engine_settings.index_dir / ".models")


@pytest.fixture(scope="session")
def torch_encoder() -> Encoder:
    return Encoder(bundled_model_path())


@pytest.fixture(scope="session")
def engine(engine_settings, encoder) -> Engine:
    """The shipped corpus, indexed once for the whole session. Tests must not modify it."""
    engine = Engine(engine_settings, encoder=encoder)
    engine.load()
    return engine


@pytest.fixture
def fresh_settings(tmp_path) -> EngineSettings:
    """A private copy of data/ and an empty index folder, for tests that change things."""
    return EngineSettings(data_dir=copy_data(tmp_path / "data"), index_dir=tmp_path / "index", model="")


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
    engine_settings = EngineSettings(data_dir=data, index_dir=root / "index", model="")
    emu = await DiscordEmulator().start()
    settings = botkit.settings_for(emu, engine_settings)
    bot, task = await botkit.start_bot(emu, settings, encoder)
    yield emu, bot, settings
    await botkit.stop_bot(bot, task)
    await emu.stop()


