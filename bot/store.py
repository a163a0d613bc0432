"""What the bot remembers: answers shown (for the feedback buttons), votes, and each server's
settings. SQLite by default (``BOT_DB``), PostgreSQL with ``DATABASE_URL``: one code path,
SQLAlchemy 2 core over aiosqlite or asyncpg.

* SQLite is opened in WAL mode with a busy timeout, so several shard processes on one machine
  read and write the same file safely. A file that is not a database (or stays locked) is named
  in the log, moved aside, and a new one is made: the bot keeps answering.
* The schema is versioned (``schema_version``); ``MIGRATIONS`` bring any older database to the
  current version, under a lock, so processes starting together migrate once.
* A user is stored only as a salted hash (for one vote per user per answer); the salt is made
  once and kept in the database, so every shard hashes alike.
* Answers and their votes older than ``FEEDBACK_DAYS`` are purged.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import secrets
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from .guild_store import GuildSettings, GuildSettingsStore
from .records import ShownPassage, StoredAnswer, Vote, text_id
from .schema import (
    MIGRATIONS,
    SCHEMA_VERSION,
    StoreError,
    answers,
    database_errors,
    database_url,
    guild_settings,
    insert_ignore,
    meta,
    short_error,
    upsert,
    version_table,
    votes,
)

__all__ = ["SCHEMA_VERSION", "GuildSettings", "ShownPassage", "Store", "StoreError", "StoredAnswer", "Vote"]

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000


class Store(GuildSettingsStore):
    """The bot's database. Every method is a coroutine; open() first, close() last."""

    def __init__(self, url: str, *, sqlite_path: Path | None = None, feedback_days: int = 90) -> None:
        self.url = url
        self.sqlite_path = sqlite_path
        self.feedback_days = feedback_days
        self.engine: AsyncEngine | None = None
        self._salt = ""

    @classmethod
    def from_settings(cls, database: str, sqlite_path: Path, feedback_days: int) -> Store:
        return cls(database_url(database, sqlite_path), sqlite_path=None if database else sqlite_path,
                   feedback_days=feedback_days)

    @property
    def kind(self) -> str:
        return "sqlite" if self.url.startswith("sqlite") else "postgresql"

    # ------------------------------------------------------------------ opening

    async def open(self) -> Store:
        if self.sqlite_path is not None:
            try:
                self.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
                async with _one_opener(self.sqlite_path):  # processes starting together migrate one at a time
                    await self._open_sqlite()
            except OSError as exc:  # the folder cannot be made or written
                raise StoreError(f"cannot open the database {self.sqlite_path}: {exc}") from exc
        else:
            try:
                await self._open_once()
            except (OSError, sa.exc.SQLAlchemyError) as exc:
                await self.close()
                raise StoreError(f"cannot open the database {self._where()}: {short_error(exc)}") from exc
        return self

    async def _open_sqlite(self) -> None:
        """Open the SQLite file; one that is not a database is moved aside and a new one made. One
        locked by another process (longer than the busy timeout) is left alone: StoreError."""
        try:
            await self._open_once()
        except (sa.exc.DatabaseError, StoreError) as exc:
            await self.close()
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreError(f"the bot database {self.sqlite_path} is locked by another process: "
                                 f"{short_error(exc)}") from exc
            moved = self.sqlite_path.with_name(f"{self.sqlite_path.name}.unusable-{time.strftime('%Y%m%dT%H%M%S')}")
            log.warning("the bot database %s cannot be used (%s); moved it to %s and started a new one",
                        self.sqlite_path, short_error(exc), moved.name)
            for suffix in ("", "-wal", "-shm"):
                part = self.sqlite_path.with_name(self.sqlite_path.name + suffix)
                if part.exists():
                    os.replace(part, moved.with_name(moved.name + suffix))
            await self._open_once()

    def _where(self) -> str:
        return str(self.sqlite_path) if self.sqlite_path else sa.engine.make_url(self.url).render_as_string()

    async def _open_once(self) -> None:
        if self.kind == "sqlite":  # two connections: the writes (bot.outbox writes them one batch at a
            # time) and the reads, which WAL lets go on while a write waits for a lock held elsewhere
            self.engine = create_async_engine(self.url, pool_size=2, max_overflow=0, pool_timeout=60)
        else:
            self.engine = create_async_engine(self.url, pool_pre_ping=True)
        if self.kind == "sqlite":
            @sa.event.listens_for(self.engine.sync_engine, "connect")
            def _pragmas(dbapi_connection, _record):
                cursor = dbapi_connection.cursor()
                cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = NORMAL")
                cursor.execute("PRAGMA foreign_keys = ON")
                cursor.close()

        async with self.engine.begin() as conn:
            if self.kind == "sqlite":
                check = (await conn.exec_driver_sql("PRAGMA quick_check")).scalar()
                if check != "ok":
                    raise StoreError(f"integrity check failed: {check}")
            await self._migrate(conn)
            self._salt = await self._get_salt(conn)

    async def _migrate(self, conn: AsyncConnection) -> None:
        if self.kind == "postgresql":  # one process migrates; the others wait for it
            await conn.exec_driver_sql("SELECT pg_advisory_xact_lock(4242001)")
        else:
            await conn.exec_driver_sql("SELECT 1")  # holds the write lock taken below
        await conn.run_sync(lambda c: version_table.create(c, checkfirst=True))
        current = (await conn.execute(sa.select(sa.func.max(version_table.c.version)))).scalar() or 0
        if current > SCHEMA_VERSION:
            raise StoreError(f"the database has schema version {current}, newer than this program's "
                             f"{SCHEMA_VERSION}; upgrade the bot")
        for version in range(current + 1, SCHEMA_VERSION + 1):
            await conn.run_sync(MIGRATIONS[version - 1])
            await conn.execute(version_table.delete())
            await conn.execute(version_table.insert().values(version=version))
            log.info("bot database migrated to schema version %d", version)

    async def _get_salt(self, conn: AsyncConnection) -> str:
        salt = (await conn.execute(sa.select(meta.c.value).where(meta.c.key == "salt"))).scalar()
        if salt:
            return salt
        fresh = secrets.token_hex(16)
        await conn.execute(insert_ignore(self.kind, meta, {"key": "salt", "value": fresh}, ["key"]))
        return (await conn.execute(sa.select(meta.c.value).where(meta.c.key == "salt"))).scalar()

    async def close(self) -> None:
        if self.engine is not None:
            await self.engine.dispose()
            self.engine = None

    @database_errors
    async def schema_version(self) -> int:
        async with self._engine().connect() as conn:
            return (await conn.execute(sa.select(sa.func.max(version_table.c.version)))).scalar() or 0

    def _engine(self) -> AsyncEngine:
        if self.engine is None:
            raise StoreError("the database is not open")
        return self.engine

    # ------------------------------------------------------------------ answers and votes

    def user_hash(self, user_id: int | str) -> str:
        return hashlib.sha256(f"{self._salt}:{user_id}".encode()).hexdigest()

    @database_errors
    async def add_answer(self, question: str, scope: str, passages: Sequence[ShownPassage], index_version: str, *,
                         guild_id: int | str | None = None, channel_id: int | str | None = None,
                         filters: dict | None = None) -> str:
        """Store an answered question (a shorthand for ``write``); its id."""
        answer = StoredAnswer(uuid.uuid4().hex[:16], question, scope, list(passages), time.time(), text_id(guild_id),
                              text_id(channel_id), index_version, filters or {})
        await self.write([answer])
        return answer.id

    @database_errors
    async def write(self, items: Sequence[StoredAnswer | Vote]) -> list[dict[str, int] | None]:
        """Answers and votes in one transaction, in order; writing one twice changes nothing. For
        each vote the answer's counts after it (None if the answer is not stored); None for an
        answer. Answers go in together (one statement for many rows: 3,000 took 6.6 s one by one)."""
        out: list[dict[str, int] | None] = []
        rows: list[dict] = []
        keeps: dict[str | None, bool] = {}
        async with self._engine().begin() as conn:
            for item in items:
                if isinstance(item, StoredAnswer):
                    row = item.row()
                    if row["question"]:
                        if item.guild_id not in keeps:
                            keeps[item.guild_id] = await self._keeps_text(conn, item.guild_id)
                        if not keeps[item.guild_id]:
                            row["question"] = ""  # insights turned off since it was asked
                    rows.append(row)
                    out.append(None)
                    continue
                await self._insert_answers(conn, rows)  # before a vote that may be on one of them
                rows = []
                out.append(await self._vote(conn, item))
            await self._insert_answers(conn, rows)
        return out

    async def _insert_answers(self, conn: AsyncConnection, rows: list[dict]) -> None:
        if rows:
            await conn.execute(insert_ignore(self.kind, answers, None, ["id"]), rows)

    @staticmethod
    async def _keeps_text(conn: AsyncConnection, guild_id: str | None) -> bool:
        """Whether the server has insights on now (the question's text is written only then)."""
        query = sa.select(guild_settings.c.insights).where(guild_settings.c.guild_id == guild_id)
        return guild_id is not None and bool((await conn.execute(query)).scalar())

    @database_errors
    async def answer(self, answer_id: str) -> StoredAnswer | None:
        """A recorded answer; its question "" unless the server has insights on now."""
        query = (sa.select(answers, guild_settings.c.insights).where(answers.c.id == answer_id)
                 .outerjoin(guild_settings, guild_settings.c.guild_id == answers.c.guild_id))
        async with self._engine().connect() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else _answer(row)

    @database_errors
    async def vote(self, answer_id: str, user_id: int | str, vote: str) -> dict[str, int] | None:
        """Record (or change) a user's vote; the answer's counts after it, or None if the answer
        is no longer stored."""
        return (await self.write([self.make_vote(answer_id, user_id, vote)]))[0]

    def make_vote(self, answer_id: str, user_id: int | str, vote: str) -> Vote:
        if vote not in ("up", "down"):
            raise ValueError(f"vote must be up or down, not {vote!r}")
        return Vote(answer_id, self.user_hash(user_id), vote, time.time())

    async def _vote(self, conn: AsyncConnection, vote: Vote) -> dict[str, int] | None:
        exists = (await conn.execute(sa.select(answers.c.id).where(answers.c.id == vote.answer_id))).first()
        if exists is None:
            return None
        await conn.execute(upsert(self.kind, votes, {"answer_id": vote.answer_id, "user_hash": vote.user_hash,
                                                     "vote": vote.vote, "at": vote.at},
                                  ["answer_id", "user_hash"], ["vote", "at"], newer="at"))  # a replayed old vote loses
        return await self._counts(conn, vote.answer_id)

    @database_errors
    async def counts(self, answer_id: str) -> dict[str, int]:
        async with self._engine().connect() as conn:
            return await self._counts(conn, answer_id)

    @staticmethod
    async def _counts(conn: AsyncConnection, answer_id: str) -> dict[str, int]:
        rows = await conn.execute(sa.select(votes.c.vote, sa.func.count()).where(votes.c.answer_id == answer_id)
                                  .group_by(votes.c.vote))
        got = {"up": 0, "down": 0}
        got.update({vote: int(n) for vote, n in rows})
        return got

    @database_errors
    async def purge(self, days: int | None = None) -> int:
        """Delete answers (and their votes) older than ``days`` (FEEDBACK_DAYS); how many."""
        cutoff = time.time() - 86400 * (self.feedback_days if days is None else days)
        async with self._engine().begin() as conn:
            old = sa.select(answers.c.id).where(answers.c.created_at < cutoff)
            await conn.execute(votes.delete().where(votes.c.answer_id.in_(old)))
            result = await conn.execute(answers.delete().where(answers.c.created_at < cutoff))
            return result.rowcount or 0

    @database_errors
    async def delete_feedback(self, *, before: float | None = None) -> int:
        """Delete every stored answer and vote (or those before a time): an admin's erase."""
        async with self._engine().begin() as conn:
            chosen = sa.select(answers.c.id)
            if before is not None:
                chosen = chosen.where(answers.c.created_at < before)
            await conn.execute(votes.delete().where(votes.c.answer_id.in_(chosen)))
            condition = answers.c.created_at < before if before is not None else sa.true()
            result = await conn.execute(answers.delete().where(condition))
            return result.rowcount or 0

    @database_errors
    async def records(self, since: float, guild_id: str | None = None) -> list[dict]:
        """Every answer recorded since ``since`` (of one server, or all), oldest first, with its
        votes counted: what /insights and ``python -m bot insights`` summarise. ``question`` is ""
        unless the server has insights on now (so a text kept before it was turned off, or under
        schema version 1, is never shown)."""
        tally = (sa.select(votes.c.answer_id, sa.func.sum(sa.case((votes.c.vote == "up", 1), else_=0)).label("up"),
                           sa.func.sum(sa.case((votes.c.vote == "down", 1), else_=0)).label("down"))
                 .group_by(votes.c.answer_id).subquery())
        query = (sa.select(answers, tally.c.up, tally.c.down, guild_settings.c.insights)
                 .outerjoin(tally, tally.c.answer_id == answers.c.id)
                 .outerjoin(guild_settings, guild_settings.c.guild_id == answers.c.guild_id)
                 .where(answers.c.created_at >= since).order_by(answers.c.created_at))
        if guild_id is not None:
            query = query.where(answers.c.guild_id == str(guild_id))
        async with self._engine().connect() as conn:
            rows = (await conn.execute(query)).all()
        return [{"id": r.id, "at": r.created_at, "guild_id": r.guild_id, "channel_id": r.channel_id,
                 "path": r.path, "scope": r.scope, "outcome": r.outcome, "reason": r.reason,
                 "document": r.document, "title": r.title, "passage": r.passage, "latency_ms": r.latency_ms,
                 "language": r.language, "question": r.question if r.insights else "",
                 "up": int(r.up or 0), "down": int(r.down or 0)}
                for r in rows]

    @database_errors
    async def export(self, since: float | None = None) -> list[dict]:
        """One row per vote: the question ("" unless the server has insights on), "up" or "down",
        the passages shown, and context."""
        query = (sa.select(answers, votes.c.vote, votes.c.at, guild_settings.c.insights)
                 .join(votes, votes.c.answer_id == answers.c.id)
                 .outerjoin(guild_settings, guild_settings.c.guild_id == answers.c.guild_id)
                 .order_by(votes.c.at))
        if since is not None:
            query = query.where(votes.c.at >= since)
        async with self._engine().connect() as conn:
            rows = (await conn.execute(query)).all()
        return [{"question": r.question if r.insights else "", "vote": r.vote, "passages": json.loads(r.passages),
                 "scope": r.scope, "answer": r.id, "guild_id": r.guild_id, "channel_id": r.channel_id,
                 "index_version": r.index_version, "asked_at": r.created_at, "voted_at": r.at} for r in rows]


def _answer(row) -> StoredAnswer:
    passages = [ShownPassage(p["id"], p["document"], int(p["paragraph"]), p["hash"]) for p in json.loads(row.passages)]
    return StoredAnswer(row.id, row.question if row.insights else "", row.scope, passages, row.created_at,
                        row.guild_id, row.channel_id, row.index_version, json.loads(row.filters or "{}"), row.path,
                        row.outcome, row.reason,
                        row.title, row.latency_ms, row.language, json.loads(row.more or "[]"))


@contextlib.asynccontextmanager
async def _one_opener(path: Path):
    """An exclusive lock on ``<file>.open-lock`` while a process opens (and migrates) the SQLite
    file, taken in a thread so that waiting for another process does not stop the event loop."""
    import fcntl

    handle = path.with_name(path.name + ".open-lock").open("a")
    try:
        await asyncio.to_thread(fcntl.flock, handle, fcntl.LOCK_EX)
        yield
    finally:
        handle.close()  # releases the lock
