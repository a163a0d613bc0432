"""``/settings``: each server's admins choose how many passages an answer shows, where mentions
are answered, whether answers go in a thread, and whether they carry feedback buttons."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from .. import render
from ..client import send
from ..store import StoreError
from .admin import admin_only

if TYPE_CHECKING:
    from ..client import StatementBot

log = logging.getLogger(__name__)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Settings(commands.GroupCog, group_name="settings",
               group_description="Admins: how the bot answers on this server."):
    def __init__(self, bot: StatementBot) -> None:
        self.answerer = bot.answerer
        super().__init__()

    async def _change(self, interaction: discord.Interaction, change) -> None:
        store = self.answerer.store
        if store is None:
            await send(interaction, render.error("Settings need the bot's database, which is not available."))
            return
        try:
            settings = await change(store, interaction.guild_id)
            self.answerer.settings_cache.remember(settings)
        except StoreError as exc:
            log.warning("settings not saved: %s", exc)
            await send(interaction, render.error("Sorry, I couldn't save that just now. Please try again later."))
            return
        await send(interaction, render.settings(settings, self.answerer.settings.engine.top_k, saved=True))

    @app_commands.command(name="show", description="Show this server's settings.")
    @admin_only("see or change the settings")
    async def show(self, interaction: discord.Interaction) -> None:
        settings = await self.answerer.guild_settings(interaction.guild_id)
        await send(interaction, render.settings(settings, self.answerer.settings.engine.top_k))

    @app_commands.command(name="passages", description="How many passages an answer shows (1-10).")
    @app_commands.describe(count="Passages per answer, 1 to 10")
    @admin_only("see or change the settings")
    async def passages(self, interaction: discord.Interaction, count: app_commands.Range[int, 1, 10]) -> None:
        await self._change(interaction, lambda store, gid: store.update_settings(gid, passages=count))

    @app_commands.command(name="channel", description="Answer mentions in a channel or not.")
    @app_commands.describe(channel="The channel", enabled="On: answer mentions there (then only in the channels "
                           "switched on). Off: never answer there.")
    @admin_only("see or change the settings")
    async def channel(self, interaction: discord.Interaction, channel: discord.TextChannel, enabled: bool) -> None:
        await self._change(interaction, lambda store, gid: store.set_channel(gid, channel.id, enabled))

    @app_commands.command(name="threads", description="Answer mentions in a thread started on the question.")
    @app_commands.describe(enabled="On: each answer to a mention opens a thread on the question")
    @admin_only("see or change the settings")
    async def threads(self, interaction: discord.Interaction, enabled: bool) -> None:
        await self._change(interaction, lambda store, gid: store.update_settings(gid, threads=enabled))

    @app_commands.command(name="insights", description="Keep the questions' text, so /insights shows what "
                          "readers ask and what the library can't answer.")
    @app_commands.describe(enabled="On: questions asked here are kept for /insights. Off (default): counts only.")
    @admin_only("see or change the settings")
    async def insights(self, interaction: discord.Interaction, enabled: bool) -> None:
        await self._change(interaction, lambda store, gid: store.update_settings(gid, insights=enabled))

    @app_commands.command(name="buttons", description="Show the feedback buttons under answers or not.")
    @app_commands.describe(enabled="On: Helpful / Not helpful / More passages under each answer")
    @admin_only("see or change the settings")
    async def buttons(self, interaction: discord.Interaction, enabled: bool) -> None:
        await self._change(interaction, lambda store, gid: store.update_settings(gid, buttons=enabled))


async def setup(bot: StatementBot) -> None:
    await bot.add_cog(Settings(bot))

