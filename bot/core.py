"""What the cogs and the console share: the engine run off the event loop, cooldowns, admins."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import logging
import time
import uuid
from dataclasses import dataclass, replace

from discord.ext import commands

from embeddings.errors import BadFilter, BuildFailed, BuildInProgress, EngineError
from embeddings.query import Query
from embeddings.search.results import SearchResult, hits_at
from embeddings.service import Engine

from . import feedback, render, render_library
from .guild_store import SettingsCache
from .outbox import Outbox
from .records import text_id
from .settings import AdminRole, BotSettings
from .store import GuildSettings, ShownPassage, Store, StoredAnswer, StoreError

log = logging.getLogger(__name__)

MORE_PASSAGES = 3  # shown by "More passages"


class Refusal(Exception):
    """A request answered with a short message instead of a result (no more passages, an article
    number that cannot be, nothing to retrain on). ``public``: the channel sees it, not only the
    asker."""

    def __init__(self, message: str, *, public: bool = False) -> None:
        super().__init__(message)
        self.public = public


def replies(method):
    """An Answerer method whose domain errors (Refusal, BadFilter, BuildInProgress, EngineError)
    become the reply, worded by ``Answerer.error_reply``: the front ends always get a Reply."""

    @functools.wraps(method)
    async def wrapper(self, *args, **kwargs) -> render.Reply:
        try:
            return await method(self, *args, **kwargs)
        except (Refusal, BadFilter, BuildInProgress, EngineError) as exc:
            return self.error_reply(exc)

    return wrapper


def settle_memory() -> None:
    """After an index is loaded: collect, then move everything alive out of the garbage
    collector's reach. The index, model and passages live as long as they serve; otherwise each
    full collection walks all of them, on whichever thread allocates, the event loop's included
    (pauses of a few hundred milliseconds in a large process). Run in a worker thread."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class Cooldown:
    """At most ``rate`` questions per ``per`` seconds for each user: discord.py's cooldown
    mapping keyed by user id (a window per user; expired windows are dropped as it goes, so
    memory does not grow with every user ever seen)."""

    def __init__(self, rate: int, per: float) -> None:
        self.rate, self.per = rate, per
        self._mapping = commands.CooldownMapping.from_cooldown(rate, per, lambda user_id: user_id)
        # One "please wait" per user per window: a user who keeps asking is not answered with a
        # bot message for every message (a channel flooded twice over).
        self._notices = commands.CooldownMapping.from_cooldown(1, per, lambda user_id: user_id)

    def retry_after(self, user_id: int, now: float | None = None) -> float:
        """0 if the user may ask now (and counts the question), else seconds to wait."""
        bucket = self._mapping.get_bucket(user_id, now)
        return bucket.update_rate_limit(now) or 0.0

    def notice_due(self, user_id: int, now: float | None = None) -> bool:
        """True the first time a throttled user is to be told so in this window, then False."""
        return not self._notices.get_bucket(user_id, now).update_rate_limit(now)

    def __len__(self) -> int:
        """Users with a window still open (or not yet dropped)."""
        return len(self._mapping._cache)


@dataclass
class ReindexState:
    started_at: float = 0.0
    started_by: str = ""
    embedded: tuple[int, int] | None = None  # texts embedded so far, of how many
    what: str = "texts"  # what is being embedded: "texts", then "multilingual vectors"
    phase: str = ""  # while retraining: the training's last progress line
    doing: str = "Reindexing"  # what the admin asked for, as the progress line starts

    def progress_line(self) -> str:
        """One line for the admin while a reindex runs."""
        elapsed = int(time.time() - self.started_at)
        if self.phase and self.embedded is None:
            return f"Retraining: {self.phase} ({elapsed} s so far)…"
        if self.embedded is None or not self.embedded[1]:
            return f"{self.doing}: reading the documents ({elapsed} s so far)…"
        done, total = self.embedded
        return (f"{self.doing}: embedded {done:,} of {total:,} new {self.what} ({100 * done // total}%, "
                f"{elapsed} s so far)…")


class Answerer:
    """Async front of the engine: every call that encodes, searches or builds runs in a thread."""

    progress_every = 5.0  # seconds between progress lines of a running reindex

    def __init__(self, engine: Engine, settings: BotSettings, store: Store | None = None) -> None:
        self.engine = engine
        self.settings = settings
        self.store = store  # None: no feedback buttons, default settings (the console)
        self.outbox: Outbox | None = None  # writes the records and votes (bot.outbox), with the store
        self.settings_cache = SettingsCache()
        self._in_flight = 0  # answers being made (and a reindex): a stop waits for them
        self._idle = asyncio.Event()
        self._idle.set()
        self.cooldown = Cooldown(settings.cooldown_rate, settings.cooldown_seconds)
        self.reindex_state = ReindexState()
        self.metrics = None  # bot.metrics.Metrics when METRICS_PORT is set
        self.library_changing = False  # a /document add or remove is under way (bot.library)

    @contextlib.asynccontextmanager
    async def working(self):
        """Counts an answer (or reindex) in flight, so that a stop can wait for it."""
        self._in_flight += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._in_flight -= 1
            if not self._in_flight:
                self._idle.set()

    @property
    def in_flight(self) -> int:
        return self._in_flight

    async def drain(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the answers in flight; True if none is left."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
            return True
        except TimeoutError:
            return False

    def cut(self, query: Query) -> tuple[Query, str]:
        """The question shortened to the configured length, and a note if it was."""
        limit = self.settings.max_question_chars
        text = query.text.strip()
        if len(text) <= limit:
            return query.with_text(text), ""
        return query.with_text(text[:limit]), f"Your question was long, so I read only its first {limit} characters."

    async def guild_settings(self, guild_id: int | None) -> GuildSettings:
        """A server's settings (``SettingsCache``); the defaults without a database."""
        if self.store is None or guild_id is None:
            return GuildSettings(str(guild_id or ""))
        return await self.settings_cache.get(self.store, guild_id)

    @replies
    async def ask(self, query: Query, *, guild_id: int | None = None, channel_id: int | None = None,
                  settings: GuildSettings | None = None, path: str = "ask") -> render.Reply:
        """The reply to a question, recorded (with a database) for /insights and its feedback
        buttons (unless the server turned them off), with as many passages as the server chose."""
        started = time.perf_counter()
        query, note = self.cut(query)
        settings = settings or await self.guild_settings(guild_id)
        k = settings.passages or self.settings.engine.top_k
        outcome, result = "error", None
        try:  # the next passages too, for "More passages": the first k are the same either way
            result = await self._search(self.engine.answer, query, k=k + MORE_PASSAGES)
            outcome = ("tentative" if result.tentative else "answered" if result.answered else "refused")
        finally:
            seconds = time.perf_counter() - started
            if self.metrics is not None:
                self.metrics.answered(path, outcome, seconds)
            # Questions are the users' words: logged only at debug level.
            log.debug("%s question %s in %.1f ms: %r", path, outcome, seconds * 1000, query.text)
            recorded = self._record(query, result, outcome, seconds, settings, path, k, channel_id)
        reply = render.answer(replace(result, hits=result.hits[:k]), note=note, scope=query.scope)
        if recorded is not None and result.answered and result.hits[:k] and settings.buttons:
            reply.view = feedback.view(recorded.id)
        return reply

    def _record(self, query: Query, result, outcome: str, seconds: float, settings: GuildSettings, path: str,
                k: int, channel_id: int | None) -> StoredAnswer | None:
        """Queue the answer's record (the question's text only where the server turned insights
        on); None without a database or when the queue is full."""
        if self.outbox is None:
            return None
        hits = result.hits if result is not None and result.answered else []
        top = hits[0].passage if hits else None
        record = StoredAnswer(
            uuid.uuid4().hex[:16], query.text if settings.insights else "", query.scope,
            [ShownPassage(h.passage.id, h.passage.document, h.passage.paragraph, h.passage.text_hash[:16])
             for h in hits[:k]], time.time(), settings.guild_id or None, text_id(channel_id), self.engine.index.version,
            query.filters(), path, outcome, result.reason if result is not None else "",
            top.title if top else None, round(seconds * 1000, 2),
            (result.signals.get("language") if result is not None else None) or "en",
            [{"id": h.passage.id, "number": h.number, "highlight": h.highlight} for h in hits[k:]])
        return record if self.outbox.record(record) else None

    @replies
    async def more(self, stored: StoredAnswer) -> render.Reply:
        """The next passages for a recorded answer ("More passages"), for whoever clicked: those
        found with it, or, for an answer recorded before they were kept, found again."""
        shown = {p.id for p in stored.passages}
        if stored.more:
            hits = await asyncio.to_thread(hits_at, self.engine.index.passages, stored.more)
            if not hits:
                raise Refusal("The library has changed since this answer; ask again for fresh passages.")
        elif stored.question:
            query = Query.stored(stored.question, stored.scope, stored.filters)
            result = await self._search(self.engine.answer, query, k=min(len(shown) + MORE_PASSAGES, 50))
            hits = [h for h in result.hits if h.passage.id not in shown] if result.answered else []
        else:
            hits = []
        if not hits:
            raise Refusal("No more passages answer this question.")
        reply = render.answer(SearchResult(stored.question, True, hits[:MORE_PASSAGES]))
        what = f"“{render.question_line(stored.question)}”" if stored.question else "this answer"
        reply.content = render.clip(f"More passages for {what}", 2000)
        reply.ephemeral = True
        return reply

    @replies
    async def timeline(self, query: Query) -> render.Reply:
        query, note = self.cut(query)
        return render.timeline(await self._search(self.engine.timeline_of, query), note=note, scope=query.scope)

    async def _search(self, search, query: Query, **options):
        """``search`` (the engine's answer or timeline_of) in a thread. Raises BadFilter for
        filters that cannot be used, EngineError if the engine fails (``replies`` words them)."""
        try:
            return await asyncio.to_thread(search, query, **options)
        except BadFilter:
            raise
        except EngineError as exc:
            log.warning("search failed: %s", exc)
            raise

    async def suggest_documents(self, text: str) -> list[tuple[str, str]]:
        return await asyncio.to_thread(self.engine.suggest_documents, text[:100], 25)

    @replies
    async def treaty(self, name: str, article: int | None) -> render.Reply:
        if article is not None and not 1 <= article <= 10_000:
            raise Refusal(f"Article numbers start at 1; {article} is not an article number.")
        name = name.strip()[:200]
        answer = await asyncio.to_thread(self.engine.treaty, name, article)
        suggestions = [] if answer else await asyncio.to_thread(lambda: self.engine.catalogue.suggest(name, 5, 60))
        return render.treaty(answer, name, suggestions)

    async def suggest(self, text: str) -> list[str]:
        return await asyncio.to_thread(lambda: self.engine.catalogue.suggest(text[:100], 25))

    async def sources(self) -> render.Reply:
        def read():
            from embeddings.library_admin import link_fields

            items = self.engine.sources()
            links = {s.path: link for s in items if (link := link_fields(self.engine.settings.data_dir, s.path))}
            return items, self.engine.problems(), links

        return render_library.sources(*await asyncio.to_thread(read))

    @property
    def reindexing(self) -> bool:
        """A build runs, or a document is being added or removed (which ends in one)."""
        return self.engine.building or self.library_changing

    async def feedback_rows(self) -> list:
        """Readers' helpful answers as labelled rows; Refusal saying why there are none."""
        from embeddings.labels import feedback_row

        if self.store is None:
            raise Refusal("Retraining learns from readers' votes, and the bot's database is not available.")
        try:
            votes = await self.store.export()
        except StoreError as exc:
            raise Refusal(f"I can't read the feedback just now: {exc}") from exc
        rows = [feedback_row(v) for v in votes if v["vote"] == "up" and v["passages"] and v["question"]]
        if not rows:
            raise Refusal("No reader has marked an answer helpful yet on a server that keeps its questions "
                          "(/settings insights), so there is nothing new to learn from.")
        return rows

    @replies
    async def reindex(self, started_by: str, on_progress=None, *, retrain: bool = False) -> render.Reply:
        """Rebuild in a thread (with ``retrain``, fine-tune on the readers' helpful answers first,
        which takes minutes). ``on_progress`` (an async callable taking one line) hears every
        ``progress_every`` seconds how far it is, if it runs that long."""
        if self.engine.building:
            raise BuildInProgress("a reindex is already running")
        rows = await self.feedback_rows() if retrain else None
        try:
            summary = await self.build(started_by, on_progress, rows=rows)
        except BuildInProgress:
            raise
        except (BuildFailed, EngineError) as exc:
            log.warning("reindex failed: %s", exc)
            raise Refusal(f"Reindex failed, the previous index is still serving. {exc}") from exc
        if rows is not None:
            log.info("retrain by %s on %d helpful answers: %s", started_by, len(rows), summary.reason)
            return render.retrained(summary, len(rows))
        log.info("reindex by %s: %s", started_by, summary.describe())
        return render_library.reindex_done(summary)

    async def build(self, started_by: str, on_progress=None, *, rows: list | None = None,
                    doing: str = "Reindexing"):
        """Rebuild the index in a thread (``rows``: retrain on them first), telling ``on_progress``
        every ``progress_every`` seconds how far it is; questions are answered meanwhile. The
        build's summary (the retraining's with ``rows``); BuildInProgress, BuildFailed or
        EngineError as the engine raises them (the previous index still serving)."""
        state = self.reindex_state = ReindexState(time.time(), started_by, doing=doing)

        def progress(done: int, total: int, what: str = "texts") -> None:  # called from the build thread
            state.embedded, state.what = (done, total), what

        def report(line: str) -> None:  # training progress, from the training thread
            state.phase = line

        work = (asyncio.to_thread(self.engine.retrain, rows, report, progress) if rows is not None
                else asyncio.to_thread(self.engine.rebuild, progress))
        build = asyncio.ensure_future(work)
        while on_progress is not None:
            finished, _ = await asyncio.wait({build}, timeout=self.progress_every)
            if finished:
                break
            await on_progress(state.progress_line())
        summary = await build
        await asyncio.to_thread(settle_memory)
        if self.metrics is not None:
            self.metrics.reindex_seconds.observe(time.time() - state.started_at)
        return summary

    def busy_reply(self) -> render.Reply:
        state = self.reindex_state
        since = f" (started <t:{int(state.started_at)}:R> by {state.started_by})" if state.started_at else ""
        return render.error(f"A reindex is already running{since}. Questions are still answered from "
                            "the current index; try again when it has finished.")

    def error_reply(self, exc: Exception) -> render.Reply:
        """The one place a domain error becomes what the user reads."""
        if isinstance(exc, Refusal):
            return render.error(str(exc), ephemeral=not exc.public)
        if isinstance(exc, BadFilter):
            return render.error(f"I can't use that filter: {exc}.")
        if isinstance(exc, BuildInProgress):
            return self.busy_reply()
        return render.error(f"I can't search right now: {exc}", ephemeral=False)


def is_admin(settings_roles: tuple[AdminRole, ...], *, administrator: bool, manage_guild: bool,
             guild_id: int | None, roles: list[tuple[int, str]]) -> bool:
    """Administrator or Manage Server in this server, or one of the configured admin roles."""
    if guild_id is None:
        return False
    if administrator or manage_guild:
        return True
    return any(role.matches(guild_id, roles) for role in settings_roles)
