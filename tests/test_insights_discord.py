"""/insights end to end: a day of questions on two servers (one keeping its questions' text),
votes, a group of questions the library cannot answer, then each server's admins read their
figures, privately, with the chart attached; the other server's questions appear nowhere."""

from __future__ import annotations

import asyncio
import io
import json

import pytest
from PIL import Image

from bot.cogs.ask_message import MENU_NAME
from bot.store import Store

from .botkit import MANAGE_GUILD, all_text, question
from .conftest import running_bot
from .test_feedback_e2e import buttons, settings_command

PRICES = ["What is the price of gas today?", "How much does petrol cost right now?",
          "What does a litre of diesel cost today?", "How expensive is gasoline at the moment?"]
ANSWERED = ["Which country did the allies condemn for enabling the attack?",
            "What did the allies say about Belarus?", "Did NATO call on Russia to stop the attack?",
            "What does Article 5 say?"]
PRIVATE = "Tell me about the herring quota in my village"  # asked only on the server that keeps no text
PNG = b"\x89PNG\r\n\x1a\n"


async def ask(emu, text: str, guild: str) -> dict:
    interaction = await emu.interact("ask", [question(text)], guild_id=guild)
    return emu.message_of(await emu.answer(interaction))


async def insights_of(emu, guild: str, days: int = 1):
    interaction = await emu.interact("insights", [{"name": "days", "type": 4, "value": days}],
                                     permissions=MANAGE_GUILD, guild_id=guild)
    return interaction, await emu.answer(interaction, timeout=120)


@pytest.fixture(scope="module")
async def day(tmp_path_factory, engine, encoder):
    """The bot after a day of traffic: server A (insights on) and server B (off)."""
    async with running_bot(tmp_path_factory.mktemp("insights"), engine, encoder) as (emu, bot, settings):
        kept, unkept = emu.guild_id, "1234567890123456789"
        await emu.answer(await emu.interact("settings", settings_command("insights", enabled=True),
                                            permissions=MANAGE_GUILD, guild_id=kept))
        for guild in (kept, unkept):
            for text in PRICES:
                await ask(emu, text, guild)
            for n, text in enumerate(ANSWERED):
                message = await ask(emu, text, guild)
                vote = "down" if n == 1 else "up"
                await emu.callback(await emu.click(message, buttons(message)[vote]["custom_id"]))
        await ask(emu, PRIVATE, unkept)
        menu = await emu.context_menu(MENU_NAME, emu.channel_message(ANSWERED[0]))
        await emu.answer(menu)
        await asyncio.sleep(0.5)  # the outbox writes within milliseconds
        yield emu, bot, settings, kept, unkept


async def test_insights_show_the_days_figures_and_the_gap_privately_with_a_chart(day):
    emu, _, _, kept, _ = day
    interaction, answer = await insights_of(emu, kept)
    shown = emu.shown(interaction)
    assert shown[0]["ephemeral"]
    text = all_text(answer)
    questions = len(PRICES) + len(ANSWERED) + 1  # and the one asked from the Apps menu
    assert f"Questions: {questions}" in text and f"Refused: {len(PRICES)}" in text
    assert "Helpful votes: 3" in text and "Not helpful votes: 1" in text
    assert "Coverage gaps:" in text and f"{len(PRICES)} questions ({len(PRICES)} refused" in text
    assert any(p in text for p in PRICES) and "NATO" in text  # a gas question named; the document quoted
    assert PRIVATE not in text
    chart = next(data for name, data in answer.files if name.endswith(".png"))
    assert chart.startswith(PNG) and len(chart) < 8 * 1024 * 1024
    with Image.open(io.BytesIO(chart)) as image:
        assert image.size == (800, 400)
    message = answer.json.get("data", answer.json)  # the callback's message, or the follow-up after a defer
    assert message["embeds"][0]["image"]["url"] == "attachment://insights.png"


async def test_a_server_without_insights_shows_no_question_text_anywhere(day):
    emu, _, settings, _, unkept = day
    interaction, answer = await insights_of(emu, unkept)
    text = all_text(answer) + json.dumps(answer.json)
    assert f"Questions: {len(PRICES) + len(ANSWERED) + 1}" in text
    assert "Turn on insights" in text
    for asked in [*PRICES, *ANSWERED, PRIVATE]:
        assert asked not in text
    store = await Store.from_settings("", settings.sqlite_path, 90).open()
    try:
        rows = await store.records(0, guild_id=unkept)
        async with store.engine.connect() as conn:  # not even in the database
            kept = (await conn.exec_driver_sql("SELECT question FROM answers WHERE guild_id = ?", (unkept,))).all()
        exported = await store.export()
    finally:
        await store.close()
    assert len(rows) == len(PRICES) + len(ANSWERED) + 1 and all(r["question"] == "" for r in rows)
    assert {q for (q,) in kept} == {""}
    assert not any(r["question"] for r in exported if r["guild_id"] == unkept)


async def test_insights_are_for_admins(day):
    emu, _, _, kept, _ = day
    interaction = await emu.interact("insights", [], guild_id=kept)
    answer = await emu.answer(interaction)
    assert "Only server admins" in all_text(answer) and emu.shown(interaction)[0]["ephemeral"]
