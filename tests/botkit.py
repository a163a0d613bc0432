"""Helpers for the end-to-end bot tests: start the real bot against the emulator, read replies."""

from __future__ import annotations

import asyncio
import threading
import time

from bot.client import make_bot
from bot.render import CONTENT_MAX, EMBED_TOTAL_MAX, FIELD_VALUE_MAX
from bot.settings import BotSettings
from embeddings.config import EngineSettings
from embeddings.service import Engine

from .emulator import DiscordEmulator

ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
BELARUS = "We also condemn Belarus for enabling this attack."


def settings_for(emu: DiscordEmulator, engine_settings: EngineSettings, **env) -> BotSettings:
    base = {"DISCORD_TOKEN": emu.token, "DISCORD_API_BASE": emu.api_base,
            "DISCORD_GATEWAY_URL": emu.gateway_url, "DATA_DIR": str(engine_settings.data_dir),
            "INDEX_DIR": str(engine_settings.index_dir), "MODEL_DIR": str(engine_settings.model_dir),
            "USER_COOLDOWN": "1000/60"}
    return BotSettings.from_env({**base, **env})


async def start_bot(emu, settings, encoder):
    """Start the real bot against ``emu``. discord.py keeps its API base and gateway in class
    attributes, so a second bot in the same process repoints them; stop_bot puts them back."""
    import discord

    previous = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    engine = Engine(settings.engine, encoder=encoder)
    bot = make_bot(engine, settings)
    bot._test_previous_endpoints = previous
    task = asyncio.create_task(bot.start(settings.token))
    for _ in range(600):
        if bot.is_ready() or task.done():
            break
        await asyncio.sleep(0.05)
    if task.done():
        task.result()
    assert bot.is_ready(), "bot did not become ready against the emulator"
    return bot, task


async def stop_bot(bot, task):
    import discord

    await bot.close()
    await asyncio.wait_for(task, 10)
    discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = bot._test_previous_endpoints


async def until(condition, timeout: float = 20.0) -> None:
    """Wait until ``condition()`` holds (AssertionError after ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def until_written(bot, timeout: float = 10.0) -> None:
    """Wait until the bot's outbox has written every record and vote to its database."""
    await until(lambda: bot.answerer.outbox is None or not len(bot.answerer.outbox), timeout)


def question(text: str) -> dict:
    return {"name": "question", "type": 3, "value": text}


def all_text(req) -> str:
    body = req.json or {}
    data = body.get("data", body)
    parts = [data.get("content") or ""]
    for e in data.get("embeds") or []:
        parts += [e.get("title", ""), e.get("description", "")]
        parts += [f"{f['name']} {f['value']}" for f in e.get("fields", [])]
    return "\n".join(parts)


def assert_within_limits(req) -> None:
    body = req.json or {}
    data = body.get("data", body)
    assert len(data.get("content") or "") <= CONTENT_MAX
    embeds = data.get("embeds") or []
    total = 0
    for e in embeds:
        assert len(e.get("title", "")) <= 256 and len(e.get("description", "")) <= 4096
        for f in e.get("fields", []):
            assert len(f["name"]) <= 256 and len(f["value"]) <= FIELD_VALUE_MAX
            total += len(f["name"]) + len(f["value"])
        total += len(e.get("title", "")) + len(e.get("description", ""))
    assert total <= EMBED_TOTAL_MAX
    assert data.get("allowed_mentions") == {"parse": [], "replied_user": False} or \
        data.get("allowed_mentions", {}).get("parse") == [], data.get("allowed_mentions")




def hold_builds(monkeypatch, encoder) -> tuple[threading.Event, threading.Event]:
    """Hold every index build at its embedding step (the real model still embeds) until the
    returned ``gate`` is set; ``entered`` is set once a build is held. The test, not a race with
    a fast rebuild, decides when it ends; questions' own embeddings pass straight through."""
    gate, entered = threading.Event(), threading.Event()
    real_encode = encoder.encode

    def gated_encode(texts, **kwargs):
        if "progress" in kwargs:  # the build's batch encoding
            entered.set()
            gate.wait(60)
        return real_encode(texts, **kwargs)

    monkeypatch.setattr(encoder, "encode", gated_encode)
    return gate, entered
