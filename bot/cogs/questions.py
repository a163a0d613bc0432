"""Questions: a mention (or a reply to the bot) in a channel, and ``/ask``."""

from __future__ import annotations

import copy
import logging
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from embeddings.query import Query

from .. import render
from ..client import RESTARTING, respond, send

if TYPE_CHECKING:
    from ..client import StatementBot

log = logging.getLogger(__name__)


SCOPE_CHOICES = [
    app_commands.Choice(name="statements", value="statements"),
    app_commands.Choice(name="treaties", value="treaties"),
    app_commands.Choice(name="statements and treaties", value="all"),
]


class Questions(commands.Cog):
    def __init__(self, bot: StatementBot) -> None:
        self.bot = bot
        self.answerer = bot.answerer
        # /ask takes at most MAX_QUESTION_CHARS characters: Discord enforces it as the user types.
        # (This cog's copy of the command gets its own parameter; the class's is shared.)
        for command, name in ((self.ask, "question"), (self.timeline, "topic")):
            param = copy.copy(command._params[name])
            param.max_value = self.answerer.settings.max_question_chars
            command._params[name] = param

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if me is None or message.author.bot or message.author.id == me.id:
            return
        if not any(user.id == me.id for user in message.mentions):
            return  # neither a mention nor a pinging reply to one of our answers
        if self.bot.stopping:  # told, as /ask is, rather than left without an answer
            try:
                await message.reply(RESTARTING, mention_author=False, allowed_mentions=discord.AllowedMentions.none())
            except discord.HTTPException as exc:
                log.info("could not say I'm restarting in channel %s: %s", message.channel.id, exc)
            return
        async with self.answerer.working():  # a stop waits for this answer to be sent
            await self._answer_mention(message, me)

    async def _answer_mention(self, message: discord.Message, me) -> None:
        guild_id = message.guild.id if message.guild else None
        settings = await self.answerer.guild_settings(guild_id)
        parent = getattr(message.channel, "parent_id", None)
        if not settings.answers_in(str(message.channel.id), str(parent) if parent else None):
            return  # the server's admins switched mentions off here
        question = re.sub(rf"<@!?{me.id}>", " ", message.content).strip()
        if not question:  # a bare mention: help, and it costs no question
            reply = render.help_reply()
        elif wait := self.answerer.cooldown.retry_after(message.author.id):
            if not self.answerer.cooldown.notice_due(message.author.id):
                return  # told once in this window already: no message for every message
            reply = render.too_quick(wait, ephemeral=False)
        else:
            reply = await self.answerer.ask(Query(question), guild_id=guild_id, channel_id=message.channel.id,
                                            settings=settings, path="mention")
        try:
            if settings.threads and question and message.guild and not isinstance(message.channel, discord.Thread):
                try:  # the answer opens a thread on the question
                    thread = await message.create_thread(name=render.clip(" ".join(question.split()), 100))
                    await thread.send(**reply.kwargs())
                    return
                except discord.HTTPException as exc:  # no permission to start threads: reply in place
                    log.info("could not answer in a thread in channel %s: %s", message.channel.id, exc)
            await message.reply(**reply.kwargs(), mention_author=False)
        except discord.HTTPException as exc:  # e.g. no permission to send here: one line, go on
            log.warning("could not reply in channel %s: %s %s", message.channel.id, exc.status, exc.text)

    @app_commands.command(name="ask", description="Ask about the statements; get the passages word for word, dated.")
    @app_commands.describe(
        question="What you want to know, in your own words (e.g. 'Who was condemned for enabling the attack?')",
        scope="What to search: the statements (default), the treaties, or both",
        start="Only documents dated on or after this day, as YYYY-MM-DD (e.g. 2022-03-01)",
        end="Only documents dated on or before this day, as YYYY-MM-DD",
        document="Only this document: start typing its title",
    )
    @app_commands.rename(start="from", end="to")
    @app_commands.choices(scope=SCOPE_CHOICES)
    async def ask(self, interaction: discord.Interaction,
                  question: app_commands.Range[str, 1, 6000],  # MAX_QUESTION_CHARS, set in __init__
                  scope: app_commands.Choice[str] | None = None,
                  start: app_commands.Range[str, 4, 10] | None = None,
                  end: app_commands.Range[str, 4, 10] | None = None,
                  document: app_commands.Range[str, 1, 200] | None = None) -> None:
        if await self._throttled(interaction):
            return
        query = Query(question, scope.value if scope else "statements", start or "", end or "", document or "")
        await respond(interaction, self.answerer.ask(query, guild_id=interaction.guild_id,
                                                     channel_id=interaction.channel_id))

    @ask.autocomplete("document")
    async def _documents(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        found = await self.answerer.suggest_documents(current)
        return [app_commands.Choice(name=render.clip(label, 100), value=doc_id[:100]) for label, doc_id in found]

    @app_commands.command(name="timeline",
                          description="How the documents spoke to a topic over time: one passage each, by date.")
    @app_commands.describe(
        topic="The topic, e.g. 'sanctions' or 'Belarus'",
        scope="What to search: the statements (default), the treaties, or both",
        start="Only documents dated on or after this day, as YYYY-MM-DD",
        end="Only documents dated on or before this day, as YYYY-MM-DD",
    )
    @app_commands.rename(start="from", end="to")
    @app_commands.choices(scope=SCOPE_CHOICES)
    async def timeline(self, interaction: discord.Interaction, topic: app_commands.Range[str, 1, 6000],
                       scope: app_commands.Choice[str] | None = None,
                       start: app_commands.Range[str, 4, 10] | None = None,
                       end: app_commands.Range[str, 4, 10] | None = None) -> None:
        if await self._throttled(interaction):
            return
        query = Query(topic, scope.value if scope else "statements", start or "", end or "")
        await respond(interaction, self.answerer.timeline(query))

    async def _throttled(self, interaction: discord.Interaction) -> bool:
        wait = self.answerer.cooldown.retry_after(interaction.user.id)
        if wait:
            await send(interaction, render.too_quick(wait))
        return bool(wait)


async def setup(bot: StatementBot) -> None:
    await bot.add_cog(Questions(bot))
