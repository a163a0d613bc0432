"""One place turns a failed slash command into a short message for the user and one log line."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from .. import render
from ..client import send

if TYPE_CHECKING:
    from ..client import StatementBot

log = logging.getLogger("bot.client")


class Errors(commands.Cog):
    def __init__(self, bot: StatementBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self._previous = self.bot.tree.on_error
        self.bot.tree.on_error = self.on_app_command_error

    async def cog_unload(self) -> None:
        self.bot.tree.on_error = self._previous

    async def on_app_command_error(self, interaction: discord.Interaction,
                                   error: app_commands.AppCommandError) -> None:
        if isinstance(error, app_commands.CheckFailure):
            reply = render.error(str(error) or "You can't use this command here.")
        else:
            original = getattr(error, "original", error)
            log.error("/%s failed: %s: %s", interaction.command and interaction.command.name,
                      type(original).__name__, original)
            reply = render.error("Sorry, something went wrong answering that. Please try again.")
        try:
            await send(interaction, reply)
        except discord.HTTPException as exc:  # the interaction expired or Discord is away: log, go on
            log.warning("could not report the error to the user: %s", exc)


async def setup(bot: StatementBot) -> None:
    await bot.add_cog(Errors(bot))
