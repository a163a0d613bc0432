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


def admin_check(what: str = "rebuild the index"):
    """The run-time check: Administrator, Manage Server, or a configured admin role (a server
    can move Discord's permission hint, so it is checked again here)."""

    def predicate(interaction: discord.Interaction) -> bool:
        settings = cast("StatementBot", interaction.client).settings
        user = interaction.user
        roles = [(r.id, r.name) for r in getattr(user, "roles", []) if not r.is_default()]
        perms = interaction.permissions
        if is_admin(settings.admin_roles, administrator=perms.administrator, manage_guild=perms.manage_guild,
                    guild_id=interaction.guild_id, roles=roles):
            return True
        log.info("refused /%s to %s (%s)", interaction.command and interaction.command.qualified_name, user,
                 user.id)
        raise app_commands.CheckFailure(f"Only server admins (Manage Server) or the bot's admin role can {what}.")

    return app_commands.check(predicate)


def admin_only(what: str = "rebuild the index"):
    """Sets Discord's default-permission hint (Manage Server) and checks at run time
    (:func:`admin_check`). For a command group, give the group the hint and each command the check."""

    def decorator(func):
        func = app_commands.default_permissions(manage_guild=True)(func)
        func = app_commands.guild_only()(func)
        return admin_check(what)(func)

    return decorator


class PrivateProgress:
    """A slow admin command's private reply: deferred, then progress lines, then the result in
    the same message (or, if no line could be shown, as the deferred answer)."""

    def __init__(self, interaction: discord.Interaction) -> None:
        self.interaction = interaction
        self.shown = False

    async def show(self, line: str) -> None:  # progress is a courtesy: a failed edit changes nothing
        try:
            await self.interaction.edit_original_response(content=line,
                                                          allowed_mentions=discord.AllowedMentions.none())
            self.shown = True
            self.interaction.extras.pop("deferred_private", None)  # the deferred answer is now this line
        except discord.HTTPException as exc:
            log.info("could not show progress: %s", exc)

    async def finish(self, reply) -> None:
        if self.shown:  # the result replaces the progress line, in the same private reply
            await self.interaction.edit_original_response(content=reply.content or None, embeds=reply.embeds,
                                                          allowed_mentions=discord.AllowedMentions.none())
        else:
            await send(self.interaction, reply)


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
        progress = PrivateProgress(interaction)
        await progress.finish(await self.answerer.reindex(f"{interaction.user} ({interaction.user.id})",
                                                          progress.show, retrain=retrain))


async def setup(bot: StatementBot) -> None:
    await bot.add_cog(Admin(bot))
