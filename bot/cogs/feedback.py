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


class Feedback(commands.Cog):
    def __init__(self, bot: StatementBot) -> None:
        self.bot = bot
        self.answerer = bot.answerer
        bot.on_feedback_click = self.click

    async def cog_unload(self) -> None:
        self.bot.on_feedback_click = None

    async def click(self, interaction: discord.Interaction, action: str, answer_id: str) -> None:
        store = self.answerer.store
        if store is None:
            await send(interaction, render.error("Feedback is switched off on this bot."))
            return
        try:
            if action in ("up", "down"):
                vote = asyncio.ensure_future(store.vote(answer_id, interaction.user.id, action))
                done, _ = await asyncio.wait({vote}, timeout=ACK_AFTER)
                if not done:  # a busy database: acknowledge now, show the counts when stored
                    await interaction.response.defer()
                counts = await vote
                if counts is not None:  # the acknowledgement is the answer's buttons with the new counts
                    if self.answerer.metrics is not None:
                        self.answerer.metrics.votes.labels(action).inc()
                    if done:
                        await interaction.response.edit_message(view=feedback.view(answer_id, counts))
                    else:
                        await interaction.edit_original_response(view=feedback.view(answer_id, counts))
                    return
                stored = None
            else:
                stored = await store.answer(answer_id)
        except StoreError as exc:
            log.warning("feedback click not stored: %s", exc)
            await send(interaction, render.error("Sorry, I couldn't record that just now. Please try again later."))
            return
        if stored is None:
            await send(interaction, render.error(
                f"Thank you! This answer is older than {store.feedback_days} days, so it is no longer kept "
                "and its buttons no longer do anything. Ask again for a fresh one."))
            return
        await respond(interaction, self.answerer.more(stored), private=True)


async def setup(bot: StatementBot) -> None:
    bot.add_dynamic_items(feedback.FeedbackButton)
    await bot.add_cog(Feedback(bot))
