"""End to end: the real discord.py client against the local Discord emulator (tests/emulator)."""

from __future__ import annotations

import asyncio

import discord
import pytest

from bot.client import DEFER_AFTER

from .botkit import (
    ADMINISTRATOR,
    BELARUS,
    MANAGE_GUILD,
    all_text,
    assert_within_limits,
    hold_builds,
    question,
    settings_for,
    start_bot,
    stop_bot,
)
from .emulator import DiscordEmulator


async def test_handshake_and_intents(world):
    emu, bot, _ = world
    identify = emu.identifies[0]
    assert identify["token"] == emu.token
    intents = discord.Intents._from_value(identify["intents"])
    assert not intents.message_content and intents.guild_messages
    assert bot.get_guild(int(emu.guild_id)) is not None


async def test_commands_registered_with_descriptions(world):
    emu, _, _ = world
    assert {"ask", "treaty", "sources", "reindex"} <= set(emu.commands)
    for command in emu.commands.values():
        assert command["description"]
        for option in command.get("options", []):
            assert option["description"], (command["name"], option["name"])
    reindex = emu.commands["reindex"]
    assert int(reindex["default_member_permissions"]) == MANAGE_GUILD
    treaty_name = next(o for o in emu.commands["treaty"]["options"] if o["name"] == "name")
    assert treaty_name["autocomplete"] is True


async def test_mention_gets_reply_quoting_belarus_with_date(world):
    emu, bot, _ = world
    message = await emu.send_message(f"<@{bot.user.id}> Which country did the allies condemn for enabling the attack?")
    reply = await emu.reply_to(message)
    text = all_text(reply)
    assert BELARUS in text and "2022-02-24" in text and "<t:1645660800:D>" in text
    assert str(reply.json["message_reference"]["message_id"]) == message["id"]
    assert reply.json["allowed_mentions"]["parse"] == [] and reply.json["allowed_mentions"]["replied_user"] is False
    assert_within_limits(reply)


async def test_everyone_in_question_pings_nobody(world):
    emu, bot, _ = world
    message = await emu.send_message(f"<@{bot.user.id}> @everyone @here <@&{emu.admin_role_id}> what about sanctions?")
    reply = await emu.reply_to(message)
    assert reply.json["allowed_mentions"] == {"parse": [], "replied_user": False}
    assert "@everyone" not in all_text(reply)  # shown as @\u200beveryone


async def test_message_without_mention_is_ignored(world):
    emu, _, _ = world
    before = len(emu.calls("POST", "/messages"))
    await emu.send_message("Which country did the allies condemn?", mentions_bot=False)
    await asyncio.sleep(0.5)
    assert len(emu.calls("POST", "/messages")) == before


async def test_slash_ask_answers_at_once_or_defers_when_slow(world, monkeypatch):
    emu, bot, _ = world
    interaction = await emu.interact("ask", [{"name": "question", "type": 3,
                                              "value": "Who was condemned for enabling the attack?"}])
    callback = await emu.callback(interaction)
    assert callback.json["type"] == 4  # a quick answer is the response itself
    assert BELARUS in all_text(callback) and "2022-02-24" in all_text(callback)
    assert emu.shown(interaction)[0]["ephemeral"] is False
    assert_within_limits(callback)

    real_ask = bot.answerer.ask

    async def slow_ask(*args, **kwargs):
        await asyncio.sleep(DEFER_AFTER + 0.5)
        return await real_ask(*args, **kwargs)

    monkeypatch.setattr(bot.answerer, "ask", slow_ask)
    slow = await emu.interact("ask", [question("Who was condemned for enabling the attack?")])
    assert (await emu.callback(slow)).json["type"] == 5  # deferred: "thinking", within 3 s
    answer = await emu.answer(slow)
    assert BELARUS in all_text(answer) and answer.ephemeral is False


async def test_off_topic_gets_polite_not_found(world):
    emu, _, _ = world
    interaction = await emu.interact("ask", [question("Who painted the Mona Lisa?")])
    followup = await emu.answer(interaction)
    text = all_text(followup)
    assert "found nothing" in text and "/treaty" in text and not followup.json.get("embeds")
    errand = await emu.answer(await emu.interact("ask", [question("How do I bake sourdough bread?")]))
    assert "no opinions and no advice" in all_text(errand) and not errand.json.get("embeds")


async def test_treaty_autocomplete(world):
    emu, _, _ = world
    interaction = await emu.interact("treaty", [{"name": "name", "type": 3, "value": "minsk", "focused": True}],
                                     autocomplete=True)
    callback = await emu.callback(interaction)
    assert callback.json["type"] == 8
    choices = [c["value"] for c in callback.json["data"]["choices"]]
    assert set(choices[:3]) == {"Minsk Protocol", "Minsk II", "Minsk agreements"} and len(choices) <= 25
    empty = await emu.interact("treaty", [{"name": "name", "type": 3, "value": "", "focused": True}],
                               autocomplete=True)
    names = [c["value"] for c in (await emu.callback(empty)).json["data"]["choices"]]
    assert {"Washington Treaty", "UN Charter", "Helsinki Final Act", "Charter of Paris", "Budapest Memorandum",
            "NATO-Russia Founding Act", "Minsk Protocol", "Minsk II", "Minsk agreements"} <= set(names)
    long = await emu.interact("treaty", [{"name": "name", "type": 3, "value": "x" * 3000, "focused": True}],
                              autocomplete=True)
    assert (await emu.callback(long)).json["data"]["choices"] == []


async def test_treaty_alias_and_article(world):
    emu, _, _ = world
    interaction = await emu.interact("treaty", [{"name": "name", "type": 3, "value": "North Atlantic Treaty"},
                                                {"name": "article", "type": 4, "value": 5}])
    assert (await emu.callback(interaction)).json["type"] == 4  # answered at once, publicly
    text = all_text(await emu.answer(interaction))
    assert "The Parties agree that an armed attack against one or more of them" in text
    assert "Our commitment to Article 5 of the Washington Treaty is iron-clad." in text
    assert "2022-02-24" in text


async def test_unknown_treaty_and_article(world):
    emu, _, _ = world
    unknown = await emu.interact("treaty", [{"name": "name", "type": 3, "value": "Treaty of Narnia"}])
    assert "don't know a treaty" in all_text(await emu.answer(unknown))
    assert [m["ephemeral"] for m in emu.shown(unknown)] == [True]  # only the asker sees the mistake
    too_far = await emu.interact("treaty", [{"name": "name", "type": 3, "value": "Washington Treaty"},
                                            {"name": "article", "type": 4, "value": 99}])
    assert "The Washington Treaty has no Article 99 (it has Articles 1-14)." in all_text(await emu.answer(too_far))


async def test_private_replies_stay_private_after_a_public_defer(world, monkeypatch):
    """Discord gives the first follow-up the defer's visibility, whatever it asks: a slow
    lookup deferred publicly that ends in a private reply, or in an error, must not show it to
    the channel (the emulator applies Discord's rule)."""
    emu, bot, _ = world
    real_treaty = bot.answerer.treaty

    async def slow_treaty(*args):
        await asyncio.sleep(DEFER_AFTER + 0.5)
        return await real_treaty(*args)

    monkeypatch.setattr(bot.answerer, "treaty", slow_treaty)
    unknown = await emu.interact("treaty", [{"name": "name", "type": 3, "value": "Treaty of Narnia"}])
    assert (await emu.callback(unknown)).json["type"] == 5
    await emu.wait_for(lambda r: unknown["token"] in r.path and "don't know a treaty" in all_text(r))
    shown = emu.shown(unknown)
    assert [m["ephemeral"] for m in shown] == [False, True]
    assert "privately" in shown[0]["content"] and "Narnia" not in shown[0]["content"]
    assert "don't know a treaty" in shown[1]["content"]

    async def failing_treaty(*args):
        await asyncio.sleep(DEFER_AFTER + 0.5)
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(bot.answerer, "treaty", failing_treaty)
    broken = await emu.interact("treaty", [{"name": "name", "type": 3, "value": "UN Charter"}])
    await emu.wait_for(lambda r: broken["token"] in r.path and "went wrong" in all_text(r))
    assert [m["ephemeral"] for m in emu.shown(broken)] == [False, True]
    assert not any("disk on fire" in str(m) for m in emu.shown(broken))  # the log has it, not the channel


async def test_sources(world):
    emu, _, _ = world
    interaction = await emu.interact("sources")
    text = all_text(await emu.answer(interaction))
    assert "2022-02-24" in text and "14 passages" in text and "Charter of the United Nations" in text


async def test_reindex_refused_to_non_admin(world):
    emu, _, _ = world
    interaction = await emu.interact("reindex", permissions=0)
    callback = await emu.callback(interaction)
    assert callback.json["type"] == 4
    assert callback.json["data"]["flags"] & 64  # ephemeral
    assert "Only server admins" in callback.json["data"]["content"]


async def test_reindex_as_admin_and_concurrent_second(world, monkeypatch):
    emu, bot, settings = world
    (settings.engine.data_dir / "extra.txt").write_text(
        "date 2022-03 The allies welcomed the sanctions package.\n", "utf-8")
    gate, entered = hold_builds(monkeypatch, bot.answerer.engine.encoder)
    monkeypatch.setattr(bot.answerer, "progress_every", 0.2)  # a long build shows where it is
    first = await emu.interact("reindex", permissions=MANAGE_GUILD)
    await emu.callback(first)
    assert await asyncio.to_thread(entered.wait, 30)
    second = await emu.interact("reindex", permissions=ADMINISTRATOR)
    busy = await emu.wait_for(lambda r: second["token"] in r.path)
    assert "already running" in all_text(busy)
    assert busy.json["data"]["flags"] & 64
    during = await emu.interact("ask", [question("What about Belarus?")])
    assert BELARUS in all_text(await emu.answer(during))  # answered from the old index meanwhile
    progress = await emu.wait_for(lambda r: r.method == "PATCH" and first["token"] in r.path
                                  and r.path.endswith("/messages/@original"))
    assert progress.json["content"].startswith("Reindexing: ") and progress.json["allowed_mentions"]["parse"] == []
    gate.set()
    done = await emu.wait_for(lambda r: first["token"] in r.path and " added" in all_text(r), 120)
    assert done.method == "PATCH" and done.path.endswith("/messages/@original")  # replaces the progress line
    text = all_text(done)
    assert "10 documents" in text and "1 added" in text and "0 removed" in text
    after = await emu.interact("ask", [question("Did the allies welcome the sanctions package?")])
    assert "welcomed the sanctions package" in all_text(await emu.answer(after))


async def test_reindex_by_configured_role(world, monkeypatch):
    """ADMIN_ROLES: a role id, or SERVER_ID:Role Name; a role of that name on another server
    grants nothing. Members without Manage Server run /reindex through their role."""
    import dataclasses

    from bot.settings import BotSettings

    emu, bot, settings = world

    def admin_roles(value: str) -> None:
        roles = BotSettings.from_env({"ADMIN_ROLES": value}).admin_roles
        monkeypatch.setattr(bot, "settings", dataclasses.replace(settings, admin_roles=roles))

    admin_roles(f"{emu.admin_role_id},{emu.guild_id}:Helper")
    for role in (emu.admin_role_id, emu.helper_role_id):  # by id, and by name on this server
        interaction = await emu.interact("reindex", permissions=0, roles=[role])
        assert "Index" in all_text(await emu.answer(interaction, timeout=120))
    admin_roles("999999999999999999:Helper")  # "Helper" on another server
    refused = await emu.interact("reindex", permissions=0, roles=[emu.helper_role_id])
    callback = await emu.callback(refused)
    assert "Only server admins" in callback.json["data"]["content"] and callback.json["data"]["flags"] & 64


async def test_long_answers_stay_within_limits(world):
    emu, _, _ = world
    interaction = await emu.interact("ask", [{"name": "question", "type": 3, "value": "Purposes of the United Nations"},
                                             {"name": "scope", "type": 3, "value": "treaties"}])
    followup = await emu.answer(interaction)
    assert_within_limits(followup)
    mention = await emu.send_message(f"<@{emu.app_id}> " + "what about the sanctions " * 300)
    reply = await emu.reply_to(mention)
    assert_within_limits(reply)
    assert "first 500 characters" in all_text(reply)


async def test_commands_not_resynced_when_unchanged(world, encoder):
    emu, _, settings = world
    puts = emu.command_puts
    bot, task = await start_bot(emu, settings, encoder)
    try:
        assert emu.command_puts == puts
    finally:
        await stop_bot(bot, task)


@pytest.mark.slow
async def test_sharded_bot_answers(world, encoder):
    _, _, settings = world
    emu = await DiscordEmulator().start()  # its own emulator: only the sharded bot listens
    bot, task = await start_bot(emu, settings_for(emu, settings.engine, SHARD_COUNT="2"), encoder)
    try:
        assert sorted(tuple(i["shard"]) for i in emu.identifies) == [(0, 2), (1, 2)]
        message = await emu.send_message(f"<@{bot.user.id}> Which country enabled the attack?")
        assert BELARUS in all_text(await emu.reply_to(message))
    finally:
        await stop_bot(bot, task)
        await emu.stop()


async def test_mention_alone_gets_help_and_reply_to_an_answer_is_answered(world):
    emu, bot, _ = world
    alone = await emu.send_message(f"<@{bot.user.id}>")
    assert "Ask me about" in all_text(await emu.reply_to(alone))
    first = await emu.send_message(f"<@{bot.user.id}> sanctions?")
    answer = await emu.reply_to(first)
    # A reply to the bot's answer (with the reply's mention on) has the bot in its mentions but
    # no <@id> in its text.
    follow = await emu.send_message(
        "and which country enabled the attack?",
        extra={"message_reference": {"message_id": str(answer.json.get("id", "0")),
                                     "channel_id": emu.channel_id, "guild_id": emu.guild_id}})
    assert BELARUS in all_text(await emu.reply_to(follow))
