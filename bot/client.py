"""The discord.py client: services passed in, cogs loaded in setup_hook, commands synced only
when they changed (or when asked with ``python -m bot sync``)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import discord
import yarl
from discord.ext import commands, tasks

from embeddings.service import Engine

from . import links, render
from .core import Answerer, settle_memory
from .outbox import Outbox, spill_folder
from .settings import BotSettings
from .store import Store, StoreError
from .translations import Translator

log = logging.getLogger(__name__)

COGS = ("bot.cogs.errors", "bot.cogs.questions", "bot.cogs.ask_message", "bot.cogs.treaties", "bot.cogs.admin",
        "bot.cogs.feedback", "bot.cogs.settings", "bot.cogs.documents", "bot.cogs.insights")


def point_at(settings: BotSettings) -> None:
    """Send REST calls and the gateway connection to the configured addresses (proxies, tests)."""
    if settings.api_base:
        discord.http.Route.BASE = settings.api_base
    if settings.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)


def intents() -> discord.Intents:
    # Mentions carry their text without the privileged message-content intent.
    chosen = discord.Intents.default()
    chosen.message_content = False
    chosen.presences = False
    chosen.members = False
    return chosen


# How long a lost gateway connection may take to come back before /healthz says 503: discord.py
# reconnects by itself, usually within a second or two.
GATEWAY_GRACE = 3.0
RESTARTING = "I'm restarting; please ask again in a minute."
FLUSH_AT_LEAST = 3.0  # seconds a stop gives the outbox to write what waits, however long answers took


class _Base:
    """Shared by the plain and the auto-sharded bot."""

    answerer: Answerer
    settings: BotSettings
    force_sync: bool
    stopping: bool = False

    async def shutdown(self, reason: str = "", timeout: float = 25.0) -> None:
        """A graceful stop (SIGTERM, SIGINT): take no new questions, let those in flight (and a
        running reindex) finish for up to ``timeout`` seconds, then close the gateway and the
        database. A reindex still running then is abandoned safely: its half-built folder is
        never swapped in, and the next start removes it."""
        if self.stopping:
            return
        self.stopping = True
        log.info("stopping%s: finishing %d answer(s) in flight", f" ({reason})" if reason else "",
                 self.answerer.in_flight)
        deadline = time.monotonic() + timeout
        if not await self.answerer.drain(timeout):
            log.warning("stopping with %d answer(s) still in flight after %.0f s", self.answerer.in_flight, timeout)
        # What waits to be recorded is written in the time left (at least FLUSH_AT_LEAST), else kept on disk.
        self.flush_budget = max(deadline - time.monotonic(), FLUSH_AT_LEAST)
        try:
            await self.close()  # type: ignore[attr-defined]
        finally:
            self.stopped.set()

    @property
    def stopped(self) -> asyncio.Event:
        """Set when a shutdown() has closed everything (the gateway, the database, metrics)."""
        if not hasattr(self, "_stopped"):
            self._stopped = asyncio.Event()
        return self._stopped

    async def setup_hook(self) -> None:
        # Loading (or building, the first time) the index runs in a thread.
        await asyncio.to_thread(self.answerer.engine.load)
        await asyncio.to_thread(settle_memory)
        if not await self.open_store():
            self.reopen_store.start()
        await self.tree.set_translator(Translator())  # the commands in the readers' languages
        for cog in COGS:
            await self.load_extension(cog)
        await self.sync_commands(force=self.force_sync)
        self.watch_index.start()
        self.purge_feedback.start()
        self.refresh_links.start()
        if self.settings.metrics_port is not None:
            await self.start_metrics()

    async def start_metrics(self) -> None:
        from .metrics import Metrics

        metrics = Metrics()
        metrics.gateway_latency.set_function(lambda: self.latency if self.latency == self.latency else 0.0)
        metrics.passages.set_function(lambda: self.served_passages())
        metrics.waiting.set_function(lambda: len(self.answerer.outbox) if self.answerer.outbox is not None else 0)
        self.answerer.metrics = metrics
        await metrics.start(self.settings.metrics_host, self.settings.metrics_port, self.health)

    def served_passages(self) -> int:
        searcher = self.answerer.engine._searcher
        return len(searcher.index.passages) if searcher is not None else 0

    def health(self) -> tuple[bool, dict]:
        """Ready: connected to the gateway (a connection lost for more than GATEWAY_GRACE seconds
        counts as not connected, although discord.py's is_ready() stays true while it retries),
        an index loaded, not stopping."""
        lost = self.gateway_lost_for()
        connected = self.is_ready() and not self.is_closed() and lost <= GATEWAY_GRACE  # type: ignore[attr-defined]
        details = {"gateway": connected, "gateway_lost_seconds": round(lost, 1),
                   "index": self.answerer.engine._searcher is not None, "stopping": self.stopping}
        return connected and details["index"] and not self.stopping, details

    # The gateway connection's state, per shard (None: the unsharded connection), from discord.py's
    # events: lost at a disconnect, back at a READY or a RESUMED.
    @property
    def _lost_at(self) -> dict:
        if not hasattr(self, "_lost_at_by_shard"):
            self._lost_at_by_shard: dict[int | None, float] = {}
        return self._lost_at_by_shard

    def gateway_lost_for(self) -> float:
        """Seconds the longest-lost gateway connection has been down; 0 when all are up."""
        now = time.monotonic()
        return max((now - since for since in self._lost_at.values()), default=0.0)

    def _gateway_event(self, shard: int | None, up: bool) -> None:
        if up:
            self._lost_at.pop(shard, None)
        else:
            self._lost_at.setdefault(shard, time.monotonic())

    async def on_disconnect(self) -> None:
        if self.settings.shard_count is None:
            self._gateway_event(None, False)

    async def on_connect(self) -> None:
        if self.settings.shard_count is None:
            self._gateway_event(None, True)

    async def on_resumed(self) -> None:
        if self.settings.shard_count is None:
            self._gateway_event(None, True)

    async def on_shard_disconnect(self, shard_id: int) -> None:
        self._gateway_event(shard_id, False)

    async def on_shard_connect(self, shard_id: int) -> None:
        self._gateway_event(shard_id, True)

    async def on_shard_resumed(self, shard_id: int) -> None:
        self._gateway_event(shard_id, True)

    async def open_store(self) -> bool:
        """The database of records, feedback and settings, and the outbox that writes to it.
        Without it the bot still answers (nothing recorded, no buttons, default settings), says so
        in the log, and tries again every 30 seconds (``reopen_store``)."""
        s = self.settings
        store = Store.from_settings(s.database_url, s.sqlite_path, s.feedback_days)
        try:
            self.answerer.store = await store.open()
            log.info("bot database: %s", "PostgreSQL" if s.database_url else s.sqlite_path)
        except (StoreError, OSError) as exc:
            log.error("%s; answering without recording, feedback buttons or per-server settings until it "
                      "opens (tried again every 30 s)", exc)
            return False
        self.answerer.outbox = Outbox(store, spill_dir=spill_folder(s.engine.index_dir))
        self.answerer.outbox.start()
        return True

    @tasks.loop(seconds=30)
    async def reopen_store(self) -> None:
        """The database did not open at the start: try again until it does."""
        if self.stopping or await self.open_store():
            self.reopen_store.stop()

    async def close(self) -> None:
        if self.reopen_store.is_running():
            self.reopen_store.cancel()
        await super().close()  # type: ignore[misc]
        if self.answerer.outbox is not None:
            await self.answerer.outbox.close(getattr(self, "flush_budget", FLUSH_AT_LEAST))
        if self.answerer.store is not None:
            await self.answerer.store.close()
        if self.answerer.metrics is not None:
            await self.answerer.metrics.stop()

    @tasks.loop(hours=1)
    async def purge_feedback(self) -> None:
        """Forget answers and votes older than FEEDBACK_DAYS."""
        if self.answerer.store is None:
            return
        try:
            removed = await self.answerer.store.purge()
            if removed:
                log.info("purged %d answers older than %d days", removed, self.settings.feedback_days)
        except Exception as exc:  # the next hour tries again
            log.warning("could not purge old feedback: %s", exc)

    @tasks.loop(minutes=30)
    async def refresh_links(self) -> None:
        """Documents added by their link: fetched again once REFRESH_HOURS old (bot/links.py)."""
        try:
            await links.refresh_links(self.answerer.engine)
        except Exception as exc:  # the next round tries again
            log.warning("could not refresh the links: %s", exc)

    async def on_message(self, message: discord.Message) -> None:
        """No prefix commands: the questions cog listens for mentions."""

    async def sync_commands(self, *, force: bool = False) -> bool:
        """Register slash commands with Discord if they changed since the last sync."""
        guild = discord.Object(self.settings.dev_guild_id) if self.settings.dev_guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        translator = self.tree.translator
        payload = [await c.get_translated_payload(self.tree, translator) if translator else c.to_dict(self.tree)
                   for c in self.tree.get_commands(guild=guild)]
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
        state = self.state_file()
        if not force and state.exists() and state.read_text().strip() == digest:
            log.info("slash commands unchanged; not syncing")
            return False
        synced = await self.tree.sync(guild=guild)
        state.parent.mkdir(parents=True, exist_ok=True)
        state.write_text(digest)
        log.info("synced %d slash commands%s", len(synced), f" to guild {guild.id}" if guild else "")
        return True

    def state_file(self) -> Path:
        where = f"guild-{self.settings.dev_guild_id}" if self.settings.dev_guild_id else "global"
        return self.settings.engine.index_dir / f".commands-{self.application_id}-{where}.sha256"

    @tasks.loop(seconds=30)
    async def watch_index(self) -> None:
        """Pick up an index another process (shard) rebuilt in the shared INDEX_DIR."""
        try:
            if await asyncio.to_thread(self.answerer.engine.refresh_if_changed):
                await asyncio.to_thread(settle_memory)
                log.info("now serving the index rebuilt by another process")
        except Exception as exc:  # keep serving the old index
            log.warning("could not load the new index: %s", exc)

    async def on_ready(self) -> None:
        log.info("connected as %s (%s guilds)", self.user, len(self.guilds))


# (interaction, action, answer id) -> handled
ClickHandler = Callable[[discord.Interaction, str, str], Awaitable[None]]


class StatementBot(_Base, commands.Bot):
    def __init__(self, engine: Engine, settings: BotSettings, *, force_sync: bool = False, **options) -> None:
        super().__init__(command_prefix=commands.when_mentioned, intents=intents(), help_command=None,
                         allowed_mentions=discord.AllowedMentions.none(), **options)
        self.answerer = Answerer(engine, settings)
        self.settings = settings
        self.force_sync = force_sync
        # Where a click on an answer's buttons goes (bot.feedback.FeedbackButton); the Feedback
        # cog sets it when it loads. None: the buttons say feedback is off.
        self.on_feedback_click: ClickHandler | None = None


class ShardedStatementBot(StatementBot, commands.AutoShardedBot):
    def __init__(self, engine: Engine, settings: BotSettings, *, force_sync: bool = False) -> None:
        super().__init__(engine, settings, force_sync=force_sync, shard_count=settings.shard_count,
                         shard_ids=list(settings.shard_ids) if settings.shard_ids else None)
        if settings.gateway_url:  # the shard manager asks REST for the gateway; keep ours
            real = self.http.get_bot_gateway

            async def get_bot_gateway():
                shards, _, limits = await real()
                return shards, settings.gateway_url, limits

            self.http.get_bot_gateway = get_bot_gateway  # type: ignore[method-assign]


def make_bot(engine: Engine, settings: BotSettings, *, force_sync: bool = False) -> commands.Bot:
    point_at(settings)
    cls = ShardedStatementBot if settings.shard_count else StatementBot
    return cls(engine, settings, force_sync=force_sync)


DEFER_AFTER = 1.0  # seconds: an answer ready by then is sent as the interaction's response itself


async def defer(interaction: discord.Interaction, *, private: bool) -> None:
    """Defer ("thinking"), remembering the visibility Discord will give the first follow-up."""
    await interaction.response.defer(thinking=True, ephemeral=private)
    interaction.extras["deferred_private"] = private


async def respond(interaction: discord.Interaction, work: Awaitable[render.Reply], *, private: bool = False) -> None:
    """Answer an interaction with the reply ``work`` produces, seen by whom the reply says.

    Discord fixes a deferred answer's visibility at the defer: the first follow-up keeps it,
    whatever it asks. So the visibility is decided before deferring: a reply ready within
    DEFER_AFTER is the response itself, with its own visibility; a slower one is deferred as
    ``private`` says (what this command usually answers), and :func:`send` handles a reply that
    turns out to need the other visibility."""
    answerer = getattr(interaction.client, "answerer", None)
    if getattr(interaction.client, "stopping", False):
        if asyncio.iscoroutine(work):
            work.close()
        await send(interaction, render.error(RESTARTING))
        return
    async with answerer.working() if answerer else contextlib.nullcontext():  # a stop waits for it
        task = asyncio.ensure_future(work)
        done, _ = await asyncio.wait({task}, timeout=DEFER_AFTER)
        if not done:
            await defer(interaction, private=private)
        await send(interaction, await task)


async def send(interaction: discord.Interaction, reply: render.Reply) -> None:
    """Answer an interaction whether or not it was deferred; never pings. After a defer of the
    other visibility (a private error after a public defer), the deferred answer says so in one
    line and the reply follows as a message of its own, so it is seen only by whom it is for."""
    kwargs = reply.kwargs()
    if not interaction.response.is_done():
        await interaction.response.send_message(**kwargs, ephemeral=reply.ephemeral)
        return
    deferred = interaction.extras.pop("deferred_private", None)  # only the first follow-up is bound
    if deferred is not None and deferred != reply.ephemeral:
        note = "I've answered you privately." if reply.ephemeral else "The answer is posted for everyone."
        await interaction.followup.send(note, ephemeral=deferred, allowed_mentions=discord.AllowedMentions.none())
    await interaction.followup.send(**kwargs, ephemeral=reply.ephemeral)
