"""``/document add`` and ``/document remove``: admins change the library from Discord (the work
is bot.library's), the index is rebuilt while questions keep being answered."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from .. import render
from ..client import defer, send
from ..library import Given, Librarian
from .admin import PrivateProgress, admin_check

if TYPE_CHECKING:
    from ..client import StatementBot

log = logging.getLogger(__name__)

KIND_CHOICES = [app_commands.Choice(name="statement", value="statement"),
                app_commands.Choice(name="treaty", value="treaty")]
WHAT = "add or remove documents"


class Documents(commands.Cog):
    # Discord's permission hint (Manage Server) belongs to the top-level command, the group; each
    # subcommand checks again at run time.
    document = app_commands.Group(name="document", description="Admins: add a document to the library, or remove one.",
                                  default_permissions=discord.Permissions(manage_guild=True), guild_only=True)

    def __init__(self, bot: StatementBot) -> None:
        self.answerer = bot.answerer
        self.librarian = Librarian(bot.answerer)

    @document.command(name="add", description="Admins: add an attached file or a link, then rebuild the index.")
    @app_commands.describe(
        file="The document: a .txt, .md, .pdf, .html or .docx file (give this or url)",
        url="Or a link to a web page, PDF or Word file (http or https)",
        title="The title quotes show (default: the document's own)",
        date="The day it was said, as YYYY-MM-DD (default: the document's own)",
        kind="statement or treaty (default: as the text says)",
    )
    @app_commands.choices(kind=KIND_CHOICES)
    @admin_check(WHAT)
    async def add(self, interaction: discord.Interaction, file: discord.Attachment | None = None,
                  url: app_commands.Range[str, 1, 2000] | None = None,
                  title: app_commands.Range[str, 1, 200] | None = None,
                  date: app_commands.Range[str, 7, 10] | None = None,
                  kind: app_commands.Choice[str] | None = None) -> None:
        if (file is None) == (url is None):  # Discord cannot require one of two options
            await send(interaction, render.error("Give the document as `file:` (attached) or as `url:` (a link), "
                                                 "one of the two."))
            return
        given = Given(file, url or "", title or "", date or "", kind.value if kind else "")
        await self._change(interaction, lambda who, show: self.librarian.add(given, who, show))

    @document.command(name="remove", description="Admins: remove a document from the library, then rebuild.")
    @app_commands.describe(document="The document to remove: start typing its title")
    @admin_check(WHAT)
    async def remove(self, interaction: discord.Interaction, document: app_commands.Range[str, 1, 200]) -> None:
        await self._change(interaction, lambda who, show: self.librarian.remove(document, who, show))

    @remove.autocomplete("document")
    async def _documents(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        found = await self.librarian.suggest(current)
        return [app_commands.Choice(name=render.clip(f"{label} [{doc_id}]", 100), value=doc_id[:100])
                for label, doc_id in found]

    async def _change(self, interaction: discord.Interaction, change) -> None:
        """Refuse at once while the library is busy; else defer privately, show progress, answer."""
        if self.answerer.reindexing:
            await send(interaction, self.answerer.busy_reply())
            return
        await defer(interaction, private=True)
        progress = PrivateProgress(interaction)
        await progress.finish(await change(f"{interaction.user} ({interaction.user.id})", progress.show))


async def setup(bot: StatementBot) -> None:
    await bot.add_cog(Documents(bot))
