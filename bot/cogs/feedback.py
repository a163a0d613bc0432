"""Clicks on the buttons under an answer: a vote (one per user per answer; a second click changes
it) or the next passages, shown privately to whoever clicked."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from .. import feedback, render
from ..client import respond, send
from ..store import StoreError

if TYPE_CHECKING:
    from ..client import StatementBot

log = logging.getLogger(__name__)

ACK_AFTER = 1.0  # seconds: a vote stored by then is acknowledged with the updated counts at once
WAIT_MORE = 4.0  # seconds more, after deferring, before the reader is told the vote waits for the database


class Feedback(commands.Cog):
    def __init__(self, bot: StatementBot) -> None:
        self.bot = bot
        self.answerer = bot.answerer
        bot.on_feedback_click = self.click

    async def cog_unload(self) -> None:
        self.bot.on_feedback_click = None

    async def click(self, interaction: discord.Interaction, action: str, answer_id: str) -> None:
        outbox = self.answerer.outbox
        if outbox is None:
            await send(interaction, render.error("Feedback is switched off on this bot."))
            return
        if action in ("up", "down"):
            await self._vote(interaction, outbox, action, answer_id)
            return
        await respond(interaction, self._more(outbox, answer_id), private=True)  # deferred if slow

    async def _more(self, outbox, answer_id: str) -> render.Reply:
        try:
            stored = await outbox.answer(answer_id)
        except StoreError as exc:
            log.warning("could not read a recorded answer: %s", exc)
            return render.error("Sorry, I can't reach my database just now. Please try again later.")
        if stored is None:
            return render.error(self._gone())
        return await self.answerer.more(stored)

    async def _vote(self, interaction: discord.Interaction, outbox, action: str, answer_id: str) -> None:
        """The vote is queued; the reader sees the new counts once it is written, or is told it
        will be counted when the database is back (it waits, and is kept over a restart), or that
        it could not be taken (the queue is full)."""
        written = outbox.vote(answer_id, interaction.user.id, action)
        if written is None:
            await send(interaction, render.error("Sorry, I couldn't record that just now. Please try again later."))
            return
        done, _ = await asyncio.wait({written}, timeout=ACK_AFTER)
        if not done:  # a busy database: acknowledge now, show the counts when stored
            await interaction.response.defer()
            done, _ = await asyncio.wait({written}, timeout=WAIT_MORE)
        if not done:
            await send(interaction, render.error("Thank you! Your vote is noted; my database is slow to answer "
                                                 "just now, so it will be counted as soon as it is written."))
            return
        if written.exception() is not None:  # the database refused it (logged by the outbox)
            await send(interaction, render.error("Sorry, I couldn't record that. Please try again later."))
            return
        counts = written.result()
        if counts is None:
            await send(interaction, render.error(self._gone()))
            return
        if self.answerer.metrics is not None:
            self.answerer.metrics.votes.labels(action).inc()
        if interaction.response.is_done():
            await interaction.edit_original_response(view=feedback.view(answer_id, counts))
        else:  # the acknowledgement is the answer's buttons with the new counts
            await interaction.response.edit_message(view=feedback.view(answer_id, counts))

    def _gone(self) -> str:
        return (f"Thank you! This answer is older than {self.answerer.settings.feedback_days} days, so it is no "
                "longer kept and its buttons no longer do anything. Ask again for a fresh one.")


async def setup(bot: StatementBot) -> None:
    bot.add_dynamic_items(feedback.FeedbackButton)
    await bot.add_cog(Feedback(bot))
