"""``/reindex``: admins rebuild the index from DATA_DIR while questions keep being answered."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, cast

import discord
from discord import app_commands
from discord.ext import commands

from ..client import defer, send
from ..core import is_admin

if TYPE_CHECKING:
    from ..client import StatementBot

log = logging.getLogger(__name__)


def admin_only(what: str = "rebuild the index"):
    """Sets Discord's default-permission hint (Manage Server) and checks at run time, since a
    server can move the hint: Administrator, Manage Server, or a configured admin role."""

    def predicate(interaction: discord.Interaction) -> bool:
        settings = cast("StatementBot", interaction.client).settings
        user = interaction.user
        roles = [(r.id, r.name) for r in getattr(user, "roles", []) if not r.is_default()]
        perms = interaction.permissions
        if is_admin(settings.admin_roles, administrator=perms.administrator, manage_guild=perms.manage_guild,
                    guild_id=interaction.guild_id, roles=roles):
            return True
        log.info("refused /%s to %s (%s)", interaction.command and interaction.command.name, user, user.id)
        raise app_commands.CheckFailure(f"Only server admins (Manage Server) or the bot's admin role can {what}.")

    def decorator(func):
        func = app_commands.default_permissions(manage_guild=True)(func)
        func = app_commands.guild_only()(func)
        return app_commands.check(predicate)(func)

    return decorator


class Admin(commands.Cog):
    def __init__(self, bot: StatementBot) -> None:
        self.answerer = bot.answerer

    @app_commands.command(name="reindex", description="Admins: rebuild the index from the documents folder.")
    @app_commands.describe(retrain="Also fine-tune the model on the answers readers marked helpful (minutes); "
                                   "it serves only if its held-out figures are not worse")
    @admin_only()
    async def reindex(self, interaction: discord.Interaction, retrain: bool = False) -> None:
        async with self.answerer.working():  # a stop waits for it (up to its timeout)
            await self._reindex(interaction, retrain)

    async def _reindex(self, interaction: discord.Interaction, retrain: bool) -> None:
        if self.answerer.reindexing:
            await send(interaction, self.answerer.busy_reply())
            return
        await defer(interaction, private=True)
        shown = False

        async def show(line: str) -> None:  # progress is a courtesy: a failed edit changes nothing
            nonlocal shown
            try:
                await interaction.edit_original_response(content=line, allowed_mentions=discord.AllowedMentions.none())
                shown = True
                interaction.extras.pop("deferred_private", None)  # the deferred answer is now this line
            except discord.HTTPException as exc:
                log.info("could not show reindex progress: %s", exc)

        reply = await self.answerer.reindex(f"{interaction.user} ({interaction.user.id})", show, retrain=retrain)
        if shown:  # the summary replaces the progress line, in the same private reply
            await interaction.edit_original_response(content=reply.content or None, embeds=reply.embeds,
                                                     allowed_mentions=discord.AllowedMentions.none())
        else:
            await send(interaction, reply)


async def setup(bot: StatementBot) -> None:
    await bot.add_cog(Admin(bot))
