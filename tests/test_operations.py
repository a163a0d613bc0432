"""Running it in production: health and metrics for a supervisor, JSON logs, a graceful stop."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import sys

import aiohttp

from embeddings.config import PROJECT_ROOT, EngineSettings

from .botkit import question, settings_for, start_bot, stop_bot, until_written
from .conftest import SHIPPED_PASSAGES, copy_data
from .emulator import DiscordEmulator
from .test_bot_process import bot_env


async def test_healthz_and_metrics(tmp_path, engine, encoder):
    shutil.copytree(engine.settings.index_dir, tmp_path / "index", symlinks=True)
    settings_engine = EngineSettings(data_dir=copy_data(tmp_path / "data"), index_dir=tmp_path / "index", model="",
                                     model_dir=engine.settings.model_dir)
    emu = await DiscordEmulator().start()
    bot, task = await start_bot(emu, settings_for(emu, settings_engine, METRICS_PORT="0"), encoder)
    try:
        base = f"http://127.0.0.1:{bot.answerer.metrics.port}"
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base}/healthz") as response:
                assert response.status == 200 and (await response.json())["ready"] is True
            await emu.answer(await emu.interact("ask", [question("Who was condemned for enabling the attack?")]))
            await emu.answer(await emu.interact("ask", [question("How do I bake sourdough bread?")]))
            mention = await emu.send_message(f"<@{bot.user.id}> sanctions")
            await emu.reply_to(mention)
            await until_written(bot)
            async with http.get(f"{base}/metrics") as response:
                text = await response.text()
            assert 'statement_bot_questions_total{outcome="answered",path="ask"} 1.0' in text
            assert 'statement_bot_questions_total{outcome="refused",path="ask"} 1.0' in text
            assert 'statement_bot_questions_total{outcome="answered",path="mention"} 1.0' in text
            assert "statement_bot_answer_seconds_bucket" in text
            assert f"statement_bot_passages {SHIPPED_PASSAGES:.1f}" in text
            assert "statement_bot_gateway_latency_seconds" in text
            assert "statement_bot_records_waiting 0.0" in text
            bot.stopping = True  # as during a stop: no longer ready
            async with http.get(f"{base}/healthz") as response:
                assert response.status == 503 and (await response.json())["stopping"] is True
            bot.stopping = False
    finally:
        await stop_bot(bot, task)
        await emu.stop()


async def test_healthz_says_503_while_the_gateway_is_lost(tmp_path, engine, encoder):
    """discord.py keeps is_ready() true while it reconnects; /healthz must not: with the gateway
    refused for a while (an outage) it answers 503 past a short grace, and 200 once reconnected."""
    from bot.client import GATEWAY_GRACE

    shutil.copytree(engine.settings.index_dir, tmp_path / "index", symlinks=True)
    settings_engine = EngineSettings(data_dir=copy_data(tmp_path / "data"), index_dir=tmp_path / "index", model="",
                                     model_dir=engine.settings.model_dir)
    emu = await DiscordEmulator().start()
    bot, task = await start_bot(emu, settings_for(emu, settings_engine, METRICS_PORT="0"), encoder)
    url = f"http://127.0.0.1:{bot.answerer.metrics.port}/healthz"
    try:
        async with aiohttp.ClientSession() as http:
            async def status() -> tuple[int, dict]:
                async with http.get(url) as response:
                    return response.status, await response.json()

            assert (await status())[0] == 200
            emu.refuse_gateway(GATEWAY_GRACE + 4)
            await emu.drop_connection()
            samples = []
            for _ in range(int((GATEWAY_GRACE + 3) / 0.25)):
                await asyncio.sleep(0.25)
                samples.append(await status())
            assert bot.is_ready()  # what the old check relied on: still true
            assert emu.gateway_refusals >= 1
            assert samples[0][0] == 200  # within the grace: a blip is not an outage
            down = [body for code, body in samples if code == 503]
            assert down and not down[-1]["gateway"] and down[-1]["gateway_lost_seconds"] > GATEWAY_GRACE, samples
            for _ in range(240):  # discord.py's backoff brings it back once the gateway accepts again
                if (await status())[0] == 200:
                    break
                await asyncio.sleep(0.25)
            code, body = await status()
            assert code == 200 and body["gateway_lost_seconds"] == 0, body
    finally:
        await stop_bot(bot, task)
        await emu.stop()


async def test_json_logs_without_secrets_or_questions(fresh_built):
    emu = await DiscordEmulator().start()
    env = bot_env(fresh_built, DISCORD_TOKEN=emu.token, DISCORD_API_BASE=emu.api_base,
                  DISCORD_GATEWAY_URL=emu.gateway_url, LOG_FORMAT="json")
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", cwd=PROJECT_ROOT, env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        await asyncio.wait_for(emu.ready.wait(), 120)
        secret_question = "What did NATO say about my private matter number 4711?"
        await emu.reply_to(await emu.send_message(f"<@{emu.app_id}> {secret_question}"), timeout=60)
    finally:
        proc.terminate()
        _, err = await asyncio.wait_for(proc.communicate(), 60)
        await emu.stop()
    lines = [line for line in err.decode().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    # 0 or 1 in flight: the emulator sees the reply before the bot has its response back
    assert any(re.fullmatch(r"stopping \(SIGTERM\): finishing [01] answer\(s\) in flight", r["message"])
               for r in records), [r["message"] for r in records]
    assert emu.token not in err.decode() and "4711" not in err.decode()  # no secret, no question (INFO)
    assert proc.returncode == 0
