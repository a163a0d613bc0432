"""``/insights`` for a server's admins: its figures of the last days as text (read by screen
readers, and by anyone who would rather read) with the same figures drawn as a chart attached.
The coverage gaps are grouped with the encoder that serves the answers, only where the server
keeps its questions' text (``/settings insights``)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

import discord

from . import insights, render
from .chart import chart_png
from .messages import DESCRIPTION_MAX, Reply, clip, escape
from .store import StoreError

if TYPE_CHECKING:
    from .core import Answerer

log = logging.getLogger(__name__)

CHART = "insights.png"
FULL_TEXT = "insights.txt"  # the whole text, attached when it is longer than an embed holds
MORE_IN_FILE = "\n… (the rest is in the attached text)"
_ONE_AT_A_TIME = asyncio.Lock()


async def insights_reply(answerer: Answerer, guild_id: int, days: int) -> Reply:
    """The reply to ``/insights days:`` in a server: private, the figures as text and a chart."""
    store = answerer.store
    if store is None:
        return render.error("Insights need the bot's database, which is not available.")
    now = time.time()
    try:
        records = await store.records(insights.period_start(days, now), guild_id=str(guild_id))
        keeps_text = (await store.settings(guild_id)).insights
    except StoreError as exc:
        log.warning("insights not read: %s", exc)
        return render.error("Sorry, I can't read my database just now. Please try again later.")
    encode = answerer.engine.encoder.encode if keeps_text and insights.gap_candidates(records) else None
    async with _ONE_AT_A_TIME:  # grouping encodes up to MAX_CLUSTERED questions: not several at once
        report = await asyncio.to_thread(insights.summarize, records, days=days, now=now, embed=encode,
                                         guild_id=str(guild_id))
    chart = await asyncio.to_thread(chart_png, report)
    return _reply(report, chart, answerer.settings.feedback_days)


def _reply(report: insights.Insights, chart: bytes, kept_days: int) -> Reply:
    text = report.text()
    shown = _lines_within(escape(text), DESCRIPTION_MAX)  # readers' words shown as typed, never as links
    period = "today" if report.days == 1 else f"the last {report.days} days"
    embed = discord.Embed(title=f"Insights: {period}", description=shown)
    embed.set_image(url=f"attachment://{CHART}")
    files = [(CHART, chart)]
    notes = []
    if report.days > kept_days:
        notes.append(f"Answers are kept {kept_days} days (FEEDBACK_DAYS), so older days show none.")
    if shown.endswith(MORE_IN_FILE):
        files.append((FULL_TEXT, text.encode()))
        notes.append(f"The whole text is in {FULL_TEXT}.")
    content = clip(" ".join(["The chart shows questions per day and the share refused; the text says the same.",
                             *notes]), 2000)
    return Reply(content=content, embeds=[embed], ephemeral=True, files=files)


def _lines_within(text: str, limit: int) -> str:
    """``text`` cut at a line end to at most ``limit`` characters (with a last line saying so)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(MORE_IN_FILE)]
    return cut[: cut.rfind("\n")] + MORE_IN_FILE
