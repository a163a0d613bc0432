"""Apps > Ask Statement Bot: a message's text asked as a question, answered privately.

Right-click (or long-press) any message, pick Apps > Ask Statement Bot: its text, without the
mentions in it, is the question. The answer is seen only by whoever asked (the message's author
did not ask anything), with /ask's cooldown, length limit and feedback buttons. A message of the
bot's own is answered like any other: its text is text."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from embeddings.query import Query

from .. import render
from ..client import respond, send

if TYPE_CHECKING:
    from ..client import StatementBot

MENU_NAME = "Ask Statement Bot"  # what people see in the Apps menu; translated (bot/translations.py)
NO_TEXT = "That message has no text to ask about."
# <@user>, <@!user>, <@&role>, <#channel>, @everyone and @here: who is addressed, not the question.
MENTIONS = re.compile(r"<(?:@[!&]?|#)\d+>|@(?:everyone|here)\b")


def question_of(message: discord.Message) -> str:
    """The message's text without its mentions, its spaces tidied; "" when nothing is left."""
    return " ".join(MENTIONS.sub(" ", message.content or "").split())


class AskMessage(commands.Cog):
    def __init__(self, bot: StatementBot) -> None:
        self.bot = bot
        self.answerer = bot.answerer
        # discord.py declares no context menu inside a cog: it is made and added here.
        self.menu = app_commands.ContextMenu(name=MENU_NAME, callback=self.ask_about)
        bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    async def ask_about(self, interaction: discord.Interaction, message: discord.Message) -> None:
        question = question_of(message)
        if not question:  # an image, an embed, only mentions: nothing to ask, and it costs no question
            await send(interaction, render.error(NO_TEXT))
            return
        if wait := self.answerer.cooldown.retry_after(interaction.user.id):
            await send(interaction, render.too_quick(wait))
            return
        await respond(interaction, self.answer(question, interaction), private=True)

    async def answer(self, question: str, interaction: discord.Interaction) -> render.Reply:
        """/ask's answer to the message's text, seen only by the user who asked (buttons kept)."""
        reply = await self.answerer.ask(Query(question), guild_id=interaction.guild_id,
                                        channel_id=interaction.channel_id, path="menu")
        reply.ephemeral = True
        return reply


async def setup(bot: StatementBot) -> None:
    await bot.add_cog(AskMessage(bot))
