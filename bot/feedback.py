"""The buttons under an answer: "Helpful", "Not helpful", "More passages".

Each button's custom id names the stored answer (``fb:<action>:<answer id>``), and the buttons
are registered as dynamic items, so they keep working after a restart, on any shard, without
the bot keeping a view per message.
"""

from __future__ import annotations

import logging
import re

import discord

log = logging.getLogger(__name__)

ACTIONS = ("up", "down", "more")
LABELS = {"up": "Helpful", "down": "Not helpful", "more": "More passages"}
EMOJI = {"up": "👍", "down": "👎", "more": "➕"}


def custom_id(action: str, answer_id: str) -> str:
    return f"fb:{action}:{answer_id}"


def view(answer_id: str, counts: dict[str, int] | None = None) -> discord.ui.View:
    """The buttons for a stored answer; with ``counts``, the votes so far on their labels."""
    buttons = discord.ui.View(timeout=None)
    for action in ACTIONS:
        label = LABELS[action]
        if counts is not None and action in counts:
            label = f"{label} · {counts[action]}"
        buttons.add_item(FeedbackButton(action, answer_id, label))
    return buttons


TEMPLATE = r"fb:(?P<action>up|down|more):(?P<answer>[0-9a-f]{8,32})"


class FeedbackButton(discord.ui.DynamicItem[discord.ui.Button], template=TEMPLATE):
    def __init__(self, action: str, answer_id: str, label: str | None = None) -> None:
        style = discord.ButtonStyle.secondary if action == "more" else discord.ButtonStyle.primary
        super().__init__(discord.ui.Button(style=style, label=label or LABELS[action], emoji=EMOJI[action],
                                           custom_id=custom_id(action, answer_id)))
        self.action = action
        self.answer_id = answer_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str], /) -> FeedbackButton:
        return cls(match["action"], match["answer"], item.label)

    async def callback(self, interaction: discord.Interaction) -> None:
        handler = interaction.client.on_feedback_click  # type: ignore[attr-defined]  # StatementBot's
        if handler is None:
            await interaction.response.send_message("Feedback is switched off on this bot.", ephemeral=True)
            return
        await handler(interaction, self.action, self.answer_id)
