"""Reference: treaty lookups (``/treaty``, with autocomplete), the document list (``/sources``)
and what the bot does (``/help``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from .. import render
from ..client import respond, send

if TYPE_CHECKING:
    from ..client import StatementBot


class Treaties(commands.Cog):
    def __init__(self, bot: StatementBot) -> None:
        self.answerer = bot.answerer

    @app_commands.command(name="treaty", description="Look up a treaty the statements cite, or one of its articles.")
    @app_commands.describe(
        name="The treaty or agreement, e.g. Washington Treaty, UN Charter, Budapest Memorandum",
        article="An article number to quote, e.g. 5",
    )
    async def treaty(self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 200],
                     article: app_commands.Range[int, 1, 10_000] | None = None) -> None:
        await respond(interaction, self.answerer.treaty(name, article))

    @treaty.autocomplete("name")
    async def treaty_names(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        names = await self.answerer.suggest(current or "")
        return [app_commands.Choice(name=n[:100], value=n[:100]) for n in names[:25]]

    @app_commands.command(name="sources", description="List the documents the bot quotes from, with dates.")
    async def sources(self, interaction: discord.Interaction) -> None:
        await respond(interaction, self.answerer.sources())

    @app_commands.command(name="help", description="What this bot does, and its commands.")
    async def help(self, interaction: discord.Interaction) -> None:
        reply = render.help_reply()
        reply.ephemeral = True  # for the asker, not the channel
        await send(interaction, reply)


async def setup(bot: StatementBot) -> None:
    await bot.add_cog(Treaties(bot))
