"""Each server's settings in the bot database (``bot.store.Store`` has these methods): passages
per answer, threads, buttons, whether question text is kept for /insights, and the channels where
mentions are answered."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import sqlalchemy as sa

from .schema import StoreError, answers, channel_settings, database_errors, guild_settings, upsert

log = logging.getLogger(__name__)


@dataclass
class GuildSettings:
    guild_id: str
    passages: int | None = None  # None: TOP_K
    threads: bool = False
    buttons: bool = True
    insights: bool = False  # keep the questions' text for /insights (off unless an admin turns it on)
    channels: dict[str, bool] = field(default_factory=dict)  # channel id -> answered or not

    def answers_in(self, channel_id: str | None, parent_id: str | None = None) -> bool:
        """Mentions are answered in every channel unless some are switched on (then only those),
        and never in one switched off. A thread follows its channel."""
        ids = [i for i in (channel_id, parent_id) if i]
        if any(self.channels.get(i) is False for i in ids):
            return False
        if any(self.channels.values()):
            return any(self.channels.get(i) for i in ids)
        return True


class GuildSettingsStore:
    """The settings half of the Store (mixed in): needs ``_engine()`` and ``kind``."""

    @database_errors
    async def settings(self, guild_id: int | str | None) -> GuildSettings:
        if guild_id is None:
            return GuildSettings("")
        gid = str(guild_id)
        async with self._engine().connect() as conn:
            row = (await conn.execute(sa.select(guild_settings).where(guild_settings.c.guild_id == gid))).first()
            channels = await conn.execute(sa.select(channel_settings.c.channel_id, channel_settings.c.enabled)
                                          .where(channel_settings.c.guild_id == gid))
            chosen = {c: bool(e) for c, e in channels}
        if row is None:
            return GuildSettings(gid, channels=chosen)
        return GuildSettings(gid, row.passages, bool(row.threads), bool(row.buttons), bool(row.insights), chosen)

    @database_errors
    async def update_settings(self, guild_id: int | str, **values) -> GuildSettings:
        """Change some of passages, threads, buttons, insights for a server. Turning insights off
        forgets the questions' text kept so far."""
        unknown = set(values) - {"passages", "threads", "buttons", "insights"}
        if unknown:
            raise ValueError(f"unknown settings: {sorted(unknown)}")
        gid = str(guild_id)
        current = await self.settings(gid)
        row = {"guild_id": gid, "passages": current.passages, "threads": current.threads,
               "buttons": current.buttons, "insights": current.insights, **values, "updated_at": time.time()}
        async with self._engine().begin() as conn:
            await conn.execute(upsert(self.kind, guild_settings, row, ["guild_id"],
                                      ["passages", "threads", "buttons", "insights", "updated_at"]))
            if values.get("insights") is False:
                await conn.execute(answers.update().where(answers.c.guild_id == gid).values(question=""))
        return await self.settings(gid)

    @database_errors
    async def set_channel(self, guild_id: int | str, channel_id: int | str, enabled: bool | None) -> GuildSettings:
        """Switch mentions on or off in a channel; None forgets the channel's setting."""
        gid, cid = str(guild_id), str(channel_id)
        async with self._engine().begin() as conn:
            if enabled is None:
                await conn.execute(channel_settings.delete().where(
                    (channel_settings.c.guild_id == gid) & (channel_settings.c.channel_id == cid)))
            else:
                await conn.execute(upsert(self.kind, channel_settings,
                                          {"guild_id": gid, "channel_id": cid, "enabled": enabled},
                                           ["guild_id", "channel_id"], ["enabled"]))
        return await self.settings(gid)


class SettingsCache:
    """Each server's settings as last read, for ``fresh`` seconds (so a question costs no database
    read, and a change made by another shard process is seen within that time). When the database
    cannot be read, the settings last read stand, however old: a server that keeps its questions'
    text (or turned the buttons off) is not treated as one that does not while the database is
    away; a server never read since the start gets the defaults. The failure is logged once per
    outage, not once per question."""

    def __init__(self, fresh: float = 30.0) -> None:
        self.fresh = fresh
        self._known: dict[str, tuple[GuildSettings, float]] = {}
        self._failing = False

    async def get(self, store, guild_id: int | str) -> GuildSettings:
        gid = str(guild_id)
        known = self._known.get(gid)
        if known is not None and time.monotonic() - known[1] < self.fresh:
            return known[0]
        try:
            settings = await store.settings(gid)
        except StoreError as exc:
            if not self._failing:
                log.warning("cannot read the servers' settings (%s); using those last read until it can", exc)
            self._failing = True
            return known[0] if known is not None else GuildSettings(gid)
        if self._failing:
            log.info("the servers' settings can be read again")
            self._failing = False
        self.remember(settings)
        return settings

    def remember(self, settings: GuildSettings) -> None:
        """Settings just read or changed (by /settings in this process)."""
        self._known[settings.guild_id] = (settings, time.monotonic())
