"""Apps > Ask Statement Bot: a message's text asked as a question, answered privately; and the
emulator's rules for message commands and for the files a message is sent with."""

from __future__ import annotations

import json
from types import SimpleNamespace

import aiohttp
import discord
import pytest
from discord import app_commands

from bot import render
from bot.client import RESTARTING
from bot.cogs.ask_message import MENU_NAME, NO_TEXT, question_of
from bot.translations import TEXTS, Translator

from .botkit import BELARUS, all_text
from .conftest import running_bot
from .emulator import DiscordEmulator

QUESTION = "Which country did the allies condemn for enabling the attack?"
LANGUAGES = ("fr", "de", "es", "pl", "ru", "uk")


async def ask_about(emu, message: dict, **kwargs) -> tuple[dict, list[dict]]:
    """Run the menu on ``message``; the interaction and what its user is shown."""
    interaction = await emu.context_menu(MENU_NAME, message, **kwargs)
    await emu.answer(interaction)
    return interaction, emu.shown(interaction)


# --------------------------------------------------------------------------- without the model


async def test_the_menus_name_is_translated_within_32_characters_and_slash_names_stay_english():
    assert set(TEXTS[MENU_NAME]) == set(LANGUAGES)
    for language, name in TEXTS[MENU_NAME].items():
        assert 1 <= len(name) <= 32 and "Statement Bot" in name and name != MENU_NAME, language

    async def callback(interaction: discord.Interaction, message: discord.Message) -> None: ...

    menu = app_commands.ContextMenu(name=MENU_NAME, callback=callback)
    where = app_commands.TranslationContextLocation
    translator, french = Translator(), discord.Locale.french
    named = app_commands.TranslationContext(where.command_name, menu)
    assert await translator.translate(app_commands.locale_str(MENU_NAME), french, named) == TEXTS[MENU_NAME]["fr"]
    slash = app_commands.TranslationContext(where.command_name, SimpleNamespace())  # a slash command's name
    assert await translator.translate(app_commands.locale_str(MENU_NAME), french, slash) is None
    assert await translator.translate(app_commands.locale_str(MENU_NAME), discord.Locale.japanese, named) is None


@pytest.mark.parametrize(("content", "question"), [
    (f"<@123> <@!45> {QUESTION} <@&6> <#789>", QUESTION),
    ("@everyone   what about\n sanctions? @here", "what about sanctions?"),
    ("<@123> <@&1> <#1>", ""),
    (" \n\t ", ""),
    ("", ""),
])
def test_the_question_is_the_text_without_its_mentions(content, question):
    assert question_of(SimpleNamespace(content=content)) == question


async def put_commands(emu: DiscordEmulator, commands: list[dict]) -> tuple[int, dict | list]:
    async with aiohttp.ClientSession() as http, http.put(
            f"{emu.api_base}/applications/{emu.app_id}/commands", json=commands,
            headers={"Authorization": f"Bot {emu.token}"}) as response:
        return response.status, await response.json()


MENU = {"name": MENU_NAME, "type": 3}
SLASH = {"name": "ask", "type": 1, "description": "Ask."}


@pytest.mark.parametrize(("commands", "refused"), [
    ([{**MENU, "description": "Ask about this message."}], "description must be empty"),
    ([{**SLASH, "name": "Ask"}], "lower-case"),
    ([{**SLASH, "name": "ask me"}], "lower-case"),
    ([{**MENU, "name": "A" * 33}], "1-32 characters"),
    ([{**MENU, "name_localizations": {"fr": "Demander à Statement Bot, s'il vous plaît"}}], "1-32 characters"),
    ([{**MENU, "options": [{"name": "x", "type": 3, "description": "x"}]}], "no options"),
    ([MENU, {**MENU}], "more than one command of type 3"),
    ([{**MENU, "type": 9}], "is not 1, 2 or 3"),
])
async def test_the_emulator_refuses_commands_discord_refuses(commands, refused):
    emu = await DiscordEmulator().start()
    try:
        status, body = await put_commands(emu, commands)
        assert status == 400 and body["code"] == 50035 and refused in body["message"], body
        assert not emu.commands and not emu.context_menus
    finally:
        await emu.stop()


async def test_a_slash_command_and_a_message_command_may_share_a_name():
    emu = await DiscordEmulator().start()
    try:
        status, body = await put_commands(emu, [SLASH, {**MENU, "name": "ask", "description": ""},
                                                {**MENU, "name_localizations": {"de": "Statement Bot fragen"}}])
        assert status == 200 and len(body) == 3
        assert set(emu.commands) == {"ask"} and set(emu.context_menus) == {(3, "ask"), (3, MENU_NAME)}
        assert emu.context_menus[(3, MENU_NAME)]["description"] == ""  # as Discord stores it
        message = emu.channel_message("hello")
        interaction = await emu.context_menu(MENU_NAME, message)
        data = interaction["data"]
        assert data["type"] == 3 and data["target_id"] == message["id"] and data["resolved"]["messages"] == {
            message["id"]: message} and data["id"] == emu.context_menus[(3, MENU_NAME)]["id"]
        with pytest.raises(AssertionError, match="no message command"):
            await emu.context_menu("Ask", message)
    finally:
        await emu.stop()


async def post_files(emu: DiscordEmulator, url: str, payload: dict, files: dict[str, tuple[str, bytes]],
                     headers: dict | None = None) -> tuple[int, dict]:
    form = aiohttp.FormData()
    form.add_field("payload_json", json.dumps(payload), content_type="application/json")
    for field, (filename, data) in files.items():
        form.add_field(field, data, filename=filename, content_type="image/png")
    async with aiohttp.ClientSession() as http, http.post(url, data=form, headers=headers or {}) as response:
        return response.status, await response.json()


@pytest.mark.parametrize(("listed", "files", "ok"), [
    ([{"id": 0, "filename": "chart.png"}], {"files[0]": ("chart.png", b"png")}, True),
    (None, {"files[0]": ("chart.png", b"png")}, True),  # no list: the files as sent
    ([{"id": 1, "filename": "chart.png"}], {"files[0]": ("chart.png", b"png")}, False),
    ([{"id": 0, "filename": "chart.png"}], {"files[0]": ("chart.png", b"png"), "files[1]": ("b.png", b"b")},
     False),
    ([{"id": 0, "filename": "a.png"}, {"id": 1, "filename": "b.png"}], {"files[0]": ("a.png", b"a")}, False),
])
async def test_the_attachments_list_must_match_the_files_sent(listed, files, ok):
    emu = await DiscordEmulator().start()
    try:
        payload = {"content": "a chart", **({"attachments": listed} if listed is not None else {})}
        status, body = await post_files(emu, f"{emu.api_base}/channels/{emu.channel_id}/messages", payload, files,
                                        {"Authorization": f"Bot {emu.token}"})
        assert (status == 200) is ok, body
        if ok:
            assert [(a["filename"], a["size"]) for a in body["attachments"]] == [("chart.png", 3)]
        else:
            assert body["code"] == 50035 and "attachments" in body["message"]
    finally:
        await emu.stop()


async def test_an_interactions_files_are_shown_with_their_names_and_sizes():
    emu = await DiscordEmulator().start()
    try:
        await put_commands(emu, [SLASH])
        interaction = await emu.interact("ask", [])
        url = f"{emu.api_base}/interactions/{interaction['id']}/{interaction['token']}/callback"
        chart = b"\x89PNG" + bytes(1000)
        status, _ = await post_files(emu, url, {"type": 4, "data": {
            "content": "the chart", "attachments": [{"id": 0, "filename": "insights.png"}]}},
            {"files[0]": ("insights.png", chart)})
        assert status == 200
        assert emu.shown(interaction) == [{"ephemeral": False, "content": "the chart", "embeds": [],
                                           "attachments": [{"filename": "insights.png", "size": 1004}]}]
    finally:
        await emu.stop()


# --------------------------------------------------------------------------- the bot


async def test_the_menu_is_registered_as_a_message_command_with_translated_names(world):
    emu, _, _ = world
    menu = emu.context_menus[(3, MENU_NAME)]
    assert menu["description"] == "" and not menu.get("options")
    names = menu["name_localizations"]
    assert names["fr"] == "Demander à Statement Bot" and names["es-ES"] == names["es-419"]
    assert {"de", "pl", "ru", "uk"} <= set(names) and all(1 <= len(n) <= 32 for n in names.values())
    assert MENU_NAME not in emu.commands
    assert all(not c.get("name_localizations") for c in emu.commands.values())  # slash names stay English


async def test_a_message_asked_about_is_answered_privately_with_the_passage(world):
    emu, _, _ = world
    posted = len(emu.calls("POST", f"/channels/{emu.channel_id}/messages"))
    interaction, shown = await ask_about(emu, emu.channel_message(QUESTION, author=emu.make_user("someone")))
    assert len(shown) == 1 and shown[0]["ephemeral"]
    assert BELARUS in json.dumps(shown[0]["embeds"], ensure_ascii=False)
    answer = emu.message_of(await emu.answer(interaction))
    assert {c["custom_id"].split(":")[1] for row in answer["components"] for c in row["components"]} == {
        "up", "down", "more"}  # the feedback buttons come with it
    assert len(emu.calls("POST", f"/channels/{emu.channel_id}/messages")) == posted  # nothing in the channel


@pytest.mark.parametrize("message", [
    {"content": "", "attachments": ["chart.png"]},
    {"content": "", "embeds": [{"title": "A link preview", "description": "Belarus"}]},
    {"content": "  \n\t "},
    {"content": "<@{user}> <@&{role}> <#{channel}> @everyone"},
])
async def test_a_message_without_text_gets_a_private_error(world, message):
    emu, _, _ = world
    content = message.pop("content").format(user=emu.owner["id"], role=emu.admin_role_id, channel=emu.channel_id)
    _, shown = await ask_about(emu, emu.channel_message(content, **message))
    assert shown == [{"ephemeral": True, "content": NO_TEXT, "embeds": [], "attachments": []}]


async def test_mentions_are_not_part_of_the_question(world, monkeypatch):
    emu, bot, _ = world
    asked = []
    real = bot.answerer.ask

    async def spy(query, **kwargs):
        asked.append((query.text, kwargs["path"]))
        return await real(query, **kwargs)

    monkeypatch.setattr(bot.answerer, "ask", spy)
    content = f"<@{emu.owner['id']}> <@&{emu.admin_role_id}> {QUESTION} <#{emu.channel_id}>"
    _, shown = await ask_about(emu, emu.channel_message(content))
    assert asked == [(QUESTION, "menu")] and BELARUS in json.dumps(shown, ensure_ascii=False)
    # The bot's own message is text like any other: answered.
    _, shown = await ask_about(emu, emu.channel_message(QUESTION, author=emu.bot_user))
    assert shown[0]["ephemeral"] and BELARUS in json.dumps(shown, ensure_ascii=False)


async def test_a_very_long_message_is_cut_with_a_note(world):
    emu, _, settings = world
    text = (QUESTION + " ") * (10_000 // (len(QUESTION) + 1) + 1)
    interaction, shown = await ask_about(emu, emu.channel_message(text[:10_000]))
    limit = settings.max_question_chars
    assert f"I read only its first {limit} characters" in all_text(await emu.answer(interaction))
    assert shown[0]["ephemeral"]


async def test_the_cooldown_applies_to_the_menu(tmp_path, engine, encoder):
    async with running_bot(tmp_path, engine, encoder, USER_COOLDOWN="2/60") as (emu, _, _):
        user = emu.make_user("flooder")
        _, empty = await ask_about(emu, emu.channel_message(""), user=user)  # costs no question
        assert empty[0]["content"] == NO_TEXT
        replies = [(await ask_about(emu, emu.channel_message(QUESTION), user=user))[1][0] for _ in range(3)]
        assert BELARUS in json.dumps(replies[:2], ensure_ascii=False)
        assert replies[2]["ephemeral"] and "You're asking quickly! Please wait" in replies[2]["content"]
        _, other = await ask_about(emu, emu.channel_message(QUESTION), user=emu.make_user("someone"))
        assert "asking quickly" not in other[0]["content"] and BELARUS in json.dumps(other, ensure_ascii=False)


async def test_while_stopping_the_menu_says_so(world, monkeypatch):
    emu, bot, _ = world
    monkeypatch.setattr(bot, "stopping", True)
    _, shown = await ask_about(emu, emu.channel_message(QUESTION))
    assert shown == [{"ephemeral": True, "content": render.error(RESTARTING).content, "embeds": [], "attachments": []}]
