"""``python -m bot`` as a real subprocess: against the emulator, without a token, with bad ones."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys

import pytest

from embeddings.config import PROJECT_ROOT

from .botkit import BELARUS
from .conftest import settings_env
from .emulator import DiscordEmulator


def bot_env(settings, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISCORD_")}
    env.update(settings_env(settings), LOG_LEVEL="INFO")
    env.update(extra)
    return env


async def test_python_m_bot_answers_a_mention(fresh_built):
    emu = await DiscordEmulator().start()
    env = bot_env(fresh_built, DISCORD_TOKEN=emu.token, DISCORD_API_BASE=emu.api_base,
                  DISCORD_GATEWAY_URL=emu.gateway_url)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=PROJECT_ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        await asyncio.wait_for(emu.ready.wait(), 120)
        await emu.wait_for(lambda r: r.method == "PUT" and r.path.endswith("/commands"), 60)
        message = await emu.send_message(
            f"<@{emu.app_id}> Which country did the allies condemn for enabling the attack?")
        reply = await emu.reply_to(message, timeout=60)
        text = "\n".join(e.get("description", "") + str(e.get("fields")) for e in reply.json["embeds"])
        assert BELARUS in text and "2022-02-24" in text
        assert reply.json["allowed_mentions"]["parse"] == []
    finally:
        proc.terminate()  # SIGTERM, as systemd or Docker stop it: a graceful stop
        _, err = await asyncio.wait_for(proc.communicate(), 60)
        sockets = list(emu._sockets)
        await emu.stop()
    log = err.decode()
    assert emu.token not in log
    assert proc.returncode == 0 and "stopping (SIGTERM)" in log and "Traceback" not in log, log[-2000:]
    assert not sockets  # the gateway connection was closed by the bot, not dropped


def run_bot(settings, *args, stdin="", **env):
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=PROJECT_ROOT, input=stdin,
                          capture_output=True, text=True, timeout=300, env=bot_env(settings, **env))


def test_console_without_token(fresh_built):
    out = run_bot(fresh_built, stdin="Which country did the allies condemn for enabling the attack?\n"
                                     "/treaty \"North Atlantic Treaty\" 5\n/sources\nWho painted the Mona Lisa?\n"
                                     "/timeline Belarus\n/ask --from 2023-01-01 sanctions\n/reindex\n")
    assert out.returncode == 0, out.stderr
    assert "Timeline:** Belarus" in out.stdout and "No statement dated 1 January 2023 or later" in out.stdout
    assert "local console" in out.stdout
    assert out.stdout.index("Rebuilding the index") < out.stdout.index("Index checked, nothing changed")  # said first
    assert BELARUS in out.stdout and "2022-02-24" in out.stdout
    assert "iron-clad" in out.stdout and "The Parties agree that an armed attack" in out.stdout
    assert "Charter of the United Nations" in out.stdout
    assert "found nothing" in out.stdout
    assert "Traceback" not in out.stderr


async def test_bad_token_is_one_readable_line(fresh_built):
    emu = await DiscordEmulator().start()
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=PROJECT_ROOT,
            env=bot_env(fresh_built, DISCORD_TOKEN="wrong-secret-token", DISCORD_API_BASE=emu.api_base,
                        DISCORD_GATEWAY_URL=emu.gateway_url),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(), 120)
    finally:
        await emu.stop()
    assert proc.returncode == 1
    errors = [line for line in err.decode().splitlines() if line.startswith("error:")]
    assert errors == ["error: Discord refused the token (DISCORD_TOKEN is wrong or was reset)"]
    assert "Traceback" not in err.decode() and "wrong-secret-token" not in err.decode() + out.decode()


def test_unreachable_discord_is_one_readable_line(fresh_built):
    out = run_bot(fresh_built, DISCORD_TOKEN="some-secret", DISCORD_API_BASE="http://127.0.0.1:9/api/v10",
                  DISCORD_GATEWAY_URL="ws://127.0.0.1:9/gateway")
    assert out.returncode == 1
    assert "error: cannot reach Discord" in out.stderr
    assert "Traceback" not in out.stderr and "some-secret" not in out.stderr + out.stdout


@pytest.mark.parametrize("env, message", [
    ({"SHARD_COUNT": "zero"}, "SHARD_COUNT must be a whole number"),
    ({"ADMIN_ROLES": "Moderators"}, "ADMIN_ROLES entry 'Moderators'"),
    ({"USER_COOLDOWN": "fast"}, "USER_COOLDOWN must be questions per seconds, like 5/60"),
    ({"LOG_LEVEL": "verbose"}, "LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR"),
])
def test_bad_settings_are_named(fresh_built, env, message):
    out = run_bot(fresh_built, **env)
    assert out.returncode == 2 and message in out.stderr and "Traceback" not in out.stderr


async def test_python_m_bot_sync_registers_and_exits(fresh_built):
    emu = await DiscordEmulator().start()
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "sync", cwd=PROJECT_ROOT,
            env=bot_env(fresh_built, DISCORD_TOKEN=emu.token, DISCORD_API_BASE=emu.api_base,
                        DISCORD_GATEWAY_URL=emu.gateway_url),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(), 120)
    finally:
        await emu.stop()
    assert proc.returncode == 0, err.decode()
    assert "slash commands synced" in out.decode()
    assert emu.command_puts == 1 and {"ask", "treaty", "sources", "reindex"} <= set(emu.commands)
    assert not emu.identifies  # sync needs no gateway connection


@pytest.mark.slow
def test_three_processes_starting_together_build_once_and_all_answer(fresh_settings, model_choice):
    """Shards started together on an empty INDEX_DIR: one builds, the others wait and serve it."""
    question = "Which country did the allies condemn for enabling the attack?\n"
    env = bot_env(fresh_settings)
    procs = [subprocess.Popen([sys.executable, "-m", "bot"], cwd=PROJECT_ROOT, env=env, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    results = [p.communicate(question, timeout=300) for p in procs]
    for proc, (out, err) in zip(procs, results):
        assert proc.returncode == 0 and BELARUS in out, err
        assert "already running" not in err and "Traceback" not in err
    assert len(list(fresh_settings.index_dir.glob("v-*"))) == 1  # built once


def test_unusable_index_folder_is_named_not_blamed_on_discord(fresh_settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    out = run_bot(fresh_settings, DISCORD_TOKEN="some-secret", INDEX_DIR=str(blocker / "index"))
    assert out.returncode == 1
    assert f"error: cannot use INDEX_DIR ({blocker / 'index'})" in out.stderr and str(blocker) in out.stderr
    assert "Discord" not in out.stderr and "Traceback" not in out.stderr


# A serving process without Discord: the engine answers one question after its first start (its
# top passage must hold argv[1]), then says whether torch was loaded and its resident memory (MB).
# Logs as the bot does (JSON lines).
LEAN_START = """
import logging, sys, psutil
from pythonjsonlogger.json import JsonFormatter
from embeddings.config import EngineSettings
from embeddings.service import Engine
handler = logging.StreamHandler()
handler.setFormatter(JsonFormatter("%(message)s"))
logging.basicConfig(level=logging.INFO, handlers=[handler])
engine = Engine(EngineSettings.from_env())
engine.load()
result = engine.ask("Which country did the allies condemn for enabling the attack?")
assert result.answered and sys.argv[1] in result.hits[0].passage.text, result
print("torch" in sys.modules, round(psutil.Process().memory_info().rss / 2**20))
"""


@pytest.mark.slow
def test_a_first_start_shows_its_progress_and_a_stop_ends_its_child(tmp_path):
    """A first start says what it does and how far it is (in the log, JSON lines here); SIGTERM
    while its child prepares the model ends the child with it, and the next start begins
    cleanly, torch loading only in its child (`python -m embeddings prepare`), never in the serving
    process. FINE_TUNE=off keeps it short: the child exports the model, then embeds."""
    import json

    import psutil

    from .conftest import DATA, STATEMENT_FILE

    env = {k: v for k, v in os.environ.items() if not k.startswith("DISCORD_")}
    data = tmp_path / "data"  # the statement alone: what is timed here is the start, not the corpus
    data.mkdir()
    shutil.copy2(DATA / STATEMENT_FILE, data / STATEMENT_FILE)
    env.update(DATA_DIR=str(data), INDEX_DIR=str(tmp_path / "index"),
               MODEL_DIR=str(tmp_path / "models"), FINE_TUNE="off", MULTILINGUAL="off", LOG_FORMAT="json",
               LOG_LEVEL="INFO")
    bot = subprocess.Popen([sys.executable, "-m", "bot"], cwd=PROJECT_ROOT, env=env, stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    messages = []
    try:
        for line in bot.stderr:
            messages.append(json.loads(line)["message"])
            if "exporting the model" in messages[-1]:
                break
        children = psutil.Process(bot.pid).children(recursive=True)
        assert any("prepare" in " ".join(c.cmdline()) for c in children), messages
        assert "Later starts take seconds" in messages[0] and messages[0].startswith("first start: preparing")
        bot.terminate()  # SIGTERM, as systemd stops it
        bot.wait(30)
    finally:
        if bot.poll() is None:
            bot.kill()
    gone, alive = psutil.wait_procs(children, timeout=15)
    assert not alive, [c.cmdline() for c in alive]  # no training or export left running on
    assert not list((tmp_path / "models").glob(".export-*"))  # its half-written export removed
    # The next start, as the bot's process makes it: the engine alone, to see that torch never
    # loads in the serving process (the export and the embedding run in the child).
    again = subprocess.run([sys.executable, "-c", LEAN_START, BELARUS], cwd=PROJECT_ROOT, env=env, timeout=300,
                           capture_output=True, text=True)
    assert again.returncode == 0, again.stderr[-2000:]
    torch_loaded, rss = again.stdout.split()
    assert torch_loaded == "False" and int(rss) <= 250, again.stdout
    assert "TracerWarning" not in again.stderr and "pre-processing" not in again.stderr, again.stderr[-2000:]
    log = [json.loads(line)["message"] for line in again.stderr.splitlines() if line.startswith("{")]
    assert any(m.startswith("first start: preparing the model") for m in log), log
    progress = [m for m in log if m.startswith("first start: embedding texts: ")]
    assert progress and re.search(r"^first start: embedding texts: [\d,]+ of [\d,]+, done in \d+ s$", progress[-1]), log
    assert any(m.startswith("first start: model and index ready in ") for m in log), log
