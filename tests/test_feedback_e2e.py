"""Feedback buttons and per-server settings, end to end: the real bot against the emulator,
with its SQLite database beside the index."""

from __future__ import annotations

import asyncio
import json
import shutil

import pytest

from bot.store import Store
from embeddings.config import EngineSettings

from . import botkit
from .botkit import BELARUS, MANAGE_GUILD, all_text, question
from .conftest import SHIPPED_PASSAGES, copy_data
from .emulator import DiscordEmulator


def buttons(message: dict) -> dict[str, dict]:
    """The message's buttons by action (up, down, more)."""
    return {c["custom_id"].split(":")[1]: c for row in message["components"] for c in row["components"]}


async def ask(emu, text: str = "Who was condemned for enabling the attack?") -> dict:
    interaction = await emu.interact("ask", [question(text)])
    return emu.message_of(await emu.answer(interaction))


async def counts(settings, answer_id: str) -> dict[str, int]:
    store = await Store.from_settings("", settings.sqlite_path, 90).open()
    try:
        return await store.counts(answer_id)
    finally:
        await store.close()


def settings_command(name: str, **options) -> list[dict]:
    types = {bool: 5, int: 4, str: 7}
    return [{"type": 1, "name": name, "options": [{"name": k, "type": types[type(v)], "value": v}
                                                   for k, v in options.items()]}]


async def test_a_click_is_acknowledged_stored_and_counted(world):
    emu, _, settings = world
    message = await ask(emu)
    shown = buttons(message)
    assert set(shown) == {"up", "down", "more"} and shown["up"]["label"] == "Helpful"
    answer_id = shown["up"]["custom_id"].split(":")[2]
    first = await emu.click(message, shown["up"]["custom_id"])
    update = await emu.callback(first)
    assert update.status == 200 and update.json["type"] == 7  # the buttons, updated, are the acknowledgement
    assert buttons(emu.messages[message["id"]])["up"]["label"] == "Helpful · 1"
    voter = emu.make_user("voter")
    await emu.callback(await emu.click(message, shown["down"]["custom_id"], user=voter))
    await emu.callback(await emu.click(message, shown["up"]["custom_id"], user=voter))  # changes the vote
    assert await counts(settings, answer_id) == {"up": 2, "down": 0}
    assert buttons(emu.messages[message["id"]])["down"]["label"] == "Not helpful · 0"


async def test_more_passages_are_shown_privately(world):
    emu, _, _ = world
    message = await ask(emu, "sanctions")
    first = {e["description"] for e in message["embeds"]}
    more = await emu.click(message, buttons(message)["more"]["custom_id"])
    assert (await emu.answer(more)).status == 200
    shown = emu.shown(more)
    assert shown[0]["ephemeral"] and "More passages" in shown[0]["content"]
    nxt = [e["description"] for e in shown[0]["embeds"]]
    assert nxt and not set(nxt) & first  # the next passages, not those already shown


async def test_two_hundred_clicks_at_once_are_all_stored(world):
    emu, _, settings = world
    message = await ask(emu, "Article 5")
    up = buttons(message)["up"]["custom_id"]
    clicks = await asyncio.gather(*(emu.click(message, up, user=emu.make_user(f"u{n}")) for n in range(200)))
    callbacks = await asyncio.gather(*(emu.callback(c) for c in clicks))
    assert all(c.status == 200 for c in callbacks)  # every one within Discord's 3 seconds
    for _ in range(300):  # those acknowledged before they were stored are stored soon after
        if await counts(settings, up.split(":")[2]) == {"up": 200, "down": 0}:
            break
        await asyncio.sleep(0.1)
    assert await counts(settings, up.split(":")[2]) == {"up": 200, "down": 0}


async def test_a_purged_answer_says_so_politely(world):
    emu, _, settings = world
    message = await ask(emu, "What does Article 4 say?")
    store = await Store.from_settings("", settings.sqlite_path, 90).open()
    await store.delete_feedback()
    await store.close()
    click = await emu.click(message, buttons(message)["up"]["custom_id"])
    text = all_text(await emu.answer(click))
    assert "no longer kept" in text and emu.shown(click)[0]["ephemeral"]


async def test_settings_change_the_next_answer(world):
    emu, _, _ = world
    admin = {"permissions": MANAGE_GUILD}
    refused = await emu.interact("settings", settings_command("passages", count=1))
    callback = await emu.callback(refused)
    assert "Only server admins" in callback.json["data"]["content"] and callback.json["data"]["flags"] & 64
    saved = await emu.interact("settings", settings_command("passages", count=1), **admin)
    assert "Passages per answer:** 1" in all_text(await emu.answer(saved))
    assert len((await ask(emu, "sanctions"))["embeds"]) == 1  # the very next answer
    await emu.answer(await emu.interact("settings", settings_command("buttons", enabled=False), **admin))
    assert not (await ask(emu, "sanctions"))["components"]
    shown = await emu.interact("settings", [{"type": 1, "name": "show", "options": []}], **admin)
    text = all_text(await emu.answer(shown))
    assert "Feedback buttons:** off" in text and emu.shown(shown)[0]["ephemeral"]
    # Mentions switched off in this channel get no answer at all.
    await emu.answer(await emu.interact("settings", settings_command("channel", channel=emu.channel_id,
                                                                      enabled=False), **admin))
    silent = await emu.send_message(f"<@{emu.app_id}> sanctions")
    await asyncio.sleep(1.5)
    assert not [r for r in emu.calls("POST", "/messages")
                if str((r.json or {}).get("message_reference", {}).get("message_id")) == silent["id"]]
    await emu.answer(await emu.interact("settings", settings_command("channel", channel=emu.channel_id,
                                                                      enabled=True), **admin))
    await emu.answer(await emu.interact("settings", settings_command("threads", enabled=True), **admin))
    asked = await emu.send_message(f"<@{emu.app_id}> Who was condemned for enabling the attack?")
    thread = await emu.wait_for(lambda r: r.method == "POST" and r.path.endswith(f"/messages/{asked['id']}/threads"))
    answer = await emu.wait_for(lambda r: r.method == "POST" and r.path.endswith(f"/channels/{asked['id']}/messages"))
    assert "Belarus" in json.dumps(answer.json) and thread.json["name"].startswith("Who was condemned")
    for name, value in (("threads", False), ("buttons", True)):  # back as they were, for the tests after
        await emu.answer(await emu.interact("settings", settings_command(name, enabled=value), **admin))


async def test_buttons_work_after_a_restart(tmp_path, engine, encoder):
    root = tmp_path
    data = copy_data(root / "data")
    shutil.copytree(engine.settings.index_dir, root / "index", symlinks=True)
    engine_settings = EngineSettings(data_dir=data, index_dir=root / "index", model="",
                                     model_dir=engine.settings.model_dir)
    emu = await DiscordEmulator().start()
    try:
        settings = botkit.settings_for(emu, engine_settings)
        bot, task = await botkit.start_bot(emu, settings, encoder)
        message = await ask(emu)
        await botkit.stop_bot(bot, task)
        bot, task = await botkit.start_bot(emu, settings, encoder)  # a new process would do the same
        try:
            click = await emu.click(message, buttons(message)["up"]["custom_id"])
            assert (await emu.callback(click)).json["type"] == 7
            assert buttons(emu.messages[message["id"]])["up"]["label"] == "Helpful · 1"
        finally:
            await botkit.stop_bot(bot, task)
    finally:
        await emu.stop()


async def test_feedback_export_and_delete(world):
    """What an admin runs: every vote as JSON lines (readable by evaluate), then an erase."""
    import subprocess
    import sys

    from embeddings.config import PROJECT_ROOT

    emu, _, settings = world
    message = await ask(emu, "Who did the allies condemn besides Russia?")  # insights off: no text kept
    await emu.callback(await emu.click(message, buttons(message)["up"]["custom_id"]))
    await emu.answer(await emu.interact("settings", settings_command("insights", enabled=True),
                                        permissions=MANAGE_GUILD))
    message = await ask(emu, "Belarus")
    await emu.callback(await emu.click(message, buttons(message)["down"]["custom_id"]))
    env = {"DATA_DIR": str(settings.engine.data_dir), "INDEX_DIR": str(settings.engine.index_dir),
           "MODEL_DIR": str(settings.engine.model_dir), "DISCORD_TOKEN": ""}

    def run(*args):
        import os

        return subprocess.run([sys.executable, "-m", "bot", "feedback", *args], cwd=PROJECT_ROOT,
                              capture_output=True, text=True, timeout=120, env={**os.environ, **env})

    out = await asyncio.to_thread(run, "export")
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert rows and {"question", "vote", "passages"} <= set(rows[0]) and {r["vote"] for r in rows} <= {"up", "down"}
    assert rows[-1]["question"] == "Belarus" and rows[-1]["vote"] == "down"
    assert rows[-2]["question"] == "" and rows[-2]["vote"] == "up" and rows[-2]["passages"]
    assert (await asyncio.to_thread(run, "export", "--since", "2999-01-01")).stdout == ""
    assert (await asyncio.to_thread(run, "export", "--since", "yesterday")).returncode == 2
    gone = await asyncio.to_thread(run, "delete")
    assert gone.returncode == 0 and "deleted" in gone.stderr
    assert (await asyncio.to_thread(run, "export")).stdout == ""


HELPFUL = ("Which allies did NATO say it would defend?", "Who helped Russia attack?")
RETRAIN_CONFIG = {"folds": 2, "max_epochs": 1, "patience": 1}  # a quick cross-validation for the tests


@pytest.mark.slow
async def test_reindex_retrain_learns_from_helpful_answers(tmp_path, engine, encoder, monkeypatch):
    """/reindex retrain:True: the shipped labelled questions plus the answers readers marked
    helpful, cross-validated (two folds, one epoch here, to keep the suite short), reported before
    and after, and served only if not worse. The session's model folder is used (so the result
    is cached between runs like the session's model) and its choice of model put back after."""
    from embeddings.registry import TrainConfig
    from embeddings.service import Engine
    from embeddings.training.prepare import select_or_train

    data = copy_data(tmp_path / "data")
    shutil.copytree(engine.settings.index_dir, tmp_path / "index", symlinks=True)
    models = engine.settings.model_dir
    active = (models / "active.json").read_bytes()
    engine_settings = EngineSettings(data_dir=data, index_dir=tmp_path / "index", model="", model_dir=models)
    monkeypatch.setattr(Engine, "retrain_config", TrainConfig(**RETRAIN_CONFIG))
    emu = await DiscordEmulator().start()
    try:
        settings = botkit.settings_for(emu, engine_settings)
        bot, task = await botkit.start_bot(emu, settings, None)
        try:
            nothing = await emu.interact("reindex", [{"name": "retrain", "type": 5, "value": True}],
                                         permissions=MANAGE_GUILD)
            assert "nothing new to learn" in all_text(await emu.answer(nothing))
            await emu.answer(await emu.interact("settings", settings_command("insights", enabled=True),
                                                permissions=MANAGE_GUILD))  # questions kept: they teach
            for text in HELPFUL:
                message = await ask(emu, text)
                await emu.callback(await emu.click(message, buttons(message)["up"]["custom_id"]))
            retrain = await emu.interact("reindex", [{"name": "retrain", "type": 5, "value": True}],
                                         permissions=MANAGE_GUILD)
            shown = await emu.wait_for(lambda r: f"/webhooks/{emu.app_id}/{retrain['token']}" in r.path
                                       and "readers marked helpful" in json.dumps(r.json), timeout=900)
            text = json.dumps(shown.json)
            print(f"\n/reindex retrain:True replied: {shown.json.get('content')}")  # docs/quality.md quotes it
            assert "2 answers readers marked helpful" in text and "recall@1" in text
            assert "The new model serves now" in text or "Kept the model serving now" in text
            assert emu.shown(retrain)[0]["ephemeral"]
            after = await ask(emu)  # still answering, with whichever model serves
            assert "Belarus" in json.dumps(after["embeds"])
            if "The new model serves now" in text:  # and it serves on after a restart
                assert select_or_train(engine_settings).path == bot.answerer.engine.model_info["path"]
        finally:
            await botkit.stop_bot(bot, task)
    finally:
        await emu.stop()
        (models / "active.json").write_bytes(active)


@pytest.mark.slow
def test_retrain_swaps_in_the_model_it_chooses(fresh_settings, engine, base_encoder, monkeypatch):
    """An engine serving the base model retrains on the same helpful answers as the test above
    (so on its cached result): the gate keeps the fine-tuned model that served before, which is
    better than the base model, so the index is rebuilt with it and it serves."""
    from embeddings.labels import feedback_row
    from embeddings.registry import TrainConfig
    from embeddings.service import Engine

    rows = [feedback_row({"question": q, "vote": "up", "scope": "statements",
                           "passages": [{"id": h.passage.id} for h in engine.ask(q).hits]}) for q in HELPFUL]
    monkeypatch.setattr(Engine, "retrain_config", TrainConfig(**RETRAIN_CONFIG))
    active = (fresh_settings.model_dir / "active.json").read_bytes()
    served = Engine(fresh_settings, encoder=base_encoder)
    try:
        served.load()
        lines = []
        result = served.retrain(rows, report=lines.append)
        assert result.swapped and result.summary is not None and result.summary.passages == SHIPPED_PASSAGES
        assert served.encoder.model_path == engine.encoder.model_path != base_encoder.model_path
        assert served.index.manifest["model"] == engine.encoder.fingerprint
        assert BELARUS in served.ask("Who was condemned for enabling the attack?").hits[0].passage.text
        assert "refused" in result.reason and result.after["heldout"]["trained"]["pooled"]["recall@1"] > 0.8
    finally:
        (fresh_settings.model_dir / "active.json").write_bytes(active)
