"""Permission semantics with SimCord (an offline Discord simulator that computes permissions
from roles and channels and hides commands by their default-permission hint). An addition to
the wire-level emulator tests, not a replacement."""

from __future__ import annotations

import discord
import simcord

from bot.client import make_bot
from bot.settings import BotSettings
from embeddings.service import Engine

from .botkit import BELARUS
from .conftest import SHIPPED_DOCUMENTS, SHIPPED_PASSAGES


def make(fresh_built, encoder, **env):
    settings = BotSettings.from_env({"DISCORD_TOKEN": "simcord", "DATA_DIR": str(fresh_built.data_dir),
                                     "INDEX_DIR": str(fresh_built.index_dir), "USER_COOLDOWN": "1000/60",
                                     **env})
    return make_bot(Engine(settings.engine, encoder=encoder), settings)


def text_of(result) -> str:
    messages = [m for m in [result.response, *result.followups] if m is not None]
    parts = []
    for m in messages:
        parts.append(m.content or "")
        for e in m.embeds:
            parts += [e.title or "", e.description or ""] + [f"{f.name} {f.value}" for f in e.fields]
    return "\n".join(parts)


async def test_reindex_visible_and_allowed_only_by_permission(fresh_built, encoder):
    bot = make(fresh_built, encoder)
    async with simcord.run(bot) as env:
        guild = env.create_guild()
        channel = guild.create_text_channel("general")
        managers = guild.create_role("Server Managers", permissions=discord.Permissions(manage_guild=True))
        manager = guild.add_member(env.create_user("manager"), roles=[managers])
        member = guild.add_member(env.create_user("member"))

        assert "reindex" in manager.available_commands(channel)
        assert "reindex" not in member.available_commands(channel)  # the hint hides it
        assert "ask" in member.available_commands(channel)

        result = await manager.slash(channel, "reindex")
        assert result.acknowledged and result.ephemeral
        assert f"{SHIPPED_DOCUMENTS} documents, {SHIPPED_PASSAGES} passages" in text_of(result)

        asked = await member.slash(channel, "ask", question="Which country was condemned for enabling the attack?")
        assert asked.acknowledged and BELARUS in text_of(asked)
