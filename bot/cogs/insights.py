"""``/insights``: a server's admins see what its readers asked, privately."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from ..client import respond
from ..insights_reply import insights_reply
from .admin import admin_only

if TYPE_CHECKING:
    from ..client import StatementBot


class Insights(commands.Cog):
    def __init__(self, bot: StatementBot) -> None:
        self.answerer = bot.answerer

    @app_commands.command(name="insights", description="Admins: what readers asked here, what was answered, "
                          "and what the library can't answer.")
    @app_commands.describe(days="How many days back, ending today (default 7)")
    @admin_only("see the insights")
    async def insights(self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 365] = 7) -> None:
        await respond(interaction, insights_reply(self.answerer, interaction.guild_id, days), private=True)


async def setup(bot: StatementBot) -> None:
    await bot.add_cog(Insights(bot))
