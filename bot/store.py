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

import functools
import hashlib
import json
import logging
import os
import secrets
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from .schema import (
    MIGRATIONS,
    SCHEMA_VERSION,
    answers,
    channel_settings,
    guild_settings,
    meta,
    version_table,
    votes,
)

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000


class StoreError(Exception):
    """The database cannot be used (the message says which and why). Every method of Store raises
    this, never the driver's own errors, so a caller handles one type."""


def database_errors(method):
    """A Store method whose database and file errors come out as StoreError."""

    @functools.wraps(method)
    async def wrapper(self, *args, **kwargs):
        try:
            return await method(self, *args, **kwargs)
        except (sa.exc.SQLAlchemyError, OSError) as exc:
            raise StoreError(f"{method.__name__}: {_short(exc)}") from exc

    return wrapper


@dataclass(frozen=True)
class ShownPassage:
    id: str
    document: str
    paragraph: int
    hash: str

    def to_dict(self) -> dict:
        return {"id": self.id, "document": self.document, "paragraph": self.paragraph, "hash": self.hash}


@dataclass(frozen=True)
class StoredAnswer:
    id: str
    question: str
    scope: str
    passages: list[ShownPassage]
    created_at: float
    guild_id: str | None = None
    channel_id: str | None = None
    index_version: str = ""
    filters: dict = field(default_factory=dict)


@dataclass
class GuildSettings:
    guild_id: str
    passages: int | None = None  # None: TOP_K
    threads: bool = False
    buttons: bool = True
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


def database_url(url: str, sqlite_path: Path) -> str:
    """The SQLAlchemy URL: DATABASE_URL with the asyncpg driver, else the SQLite file."""
    if url:
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+asyncpg://" + url[len(prefix):]
        return url
    return f"sqlite+aiosqlite:///{sqlite_path}"


class Store:
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
            self.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
            try:
                await self._open_once()
            except (sa.exc.DatabaseError, StoreError) as exc:
                await self.close()
                moved = self.sqlite_path.with_name(f"{self.sqlite_path.name}.unusable-{time.strftime('%Y%m%dT%H%M%S')}")
                log.warning("the bot database %s cannot be used (%s); moved it to %s and started a new one",
                            self.sqlite_path, _short(exc), moved.name)
                for suffix in ("", "-wal", "-shm"):
                    part = self.sqlite_path.with_name(self.sqlite_path.name + suffix)
                    if part.exists():
                        os.replace(part, moved.with_name(moved.name + suffix))
                await self._open_once()
        else:
            try:
                await self._open_once()
            except (OSError, sa.exc.SQLAlchemyError) as exc:
                await self.close()
                raise StoreError(f"cannot open the database {self._where()}: {_short(exc)}") from exc
        return self

    def _where(self) -> str:
        return str(self.sqlite_path) if self.sqlite_path else sa.engine.make_url(self.url).render_as_string()

    async def _open_once(self) -> None:
        if self.kind == "sqlite":  # one connection: SQLite takes one writer at a time anyway, and
            # connections of one process waiting on each other's lock only add busy-wait sleeps
            self.engine = create_async_engine(self.url, pool_size=1, max_overflow=0, pool_timeout=60)
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
        await conn.execute(_insert_ignore(self.kind, meta, {"key": "salt", "value": fresh}, ["key"]))
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
        answer_id = uuid.uuid4().hex[:16]
        async with self._engine().begin() as conn:
            await conn.execute(answers.insert().values(
                id=answer_id, created_at=time.time(), guild_id=_id(guild_id), channel_id=_id(channel_id),
                question=question, scope=scope, passages=json.dumps([p.to_dict() for p in passages]),
                filters=json.dumps(filters or {}), index_version=index_version))
        return answer_id

    @database_errors
    async def answer(self, answer_id: str) -> StoredAnswer | None:
        async with self._engine().connect() as conn:
            row = (await conn.execute(sa.select(answers).where(answers.c.id == answer_id))).first()
        return None if row is None else _answer(row)

    @database_errors
    async def vote(self, answer_id: str, user_id: int | str, vote: str) -> dict[str, int] | None:
        """Record (or change) a user's vote; the answer's counts after it, or None if the answer
        is no longer stored."""
        if vote not in ("up", "down"):
            raise ValueError(f"vote must be up or down, not {vote!r}")
        user = self.user_hash(user_id)
        now = time.time()
        async with self._engine().begin() as conn:
            exists = (await conn.execute(sa.select(answers.c.id).where(answers.c.id == answer_id))).first()
            if exists is None:
                return None
            await conn.execute(_upsert(self.kind, votes, {"answer_id": answer_id, "user_hash": user, "vote": vote,
                                                           "at": now}, ["answer_id", "user_hash"], ["vote", "at"]))
            return await self._counts(conn, answer_id)

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
    async def export(self, since: float | None = None) -> list[dict]:
        """One row per vote: the question, "up" or "down", the passages shown, and context."""
        query = (sa.select(answers, votes.c.vote, votes.c.at)
                 .join(votes, votes.c.answer_id == answers.c.id)
                 .order_by(votes.c.at))
        if since is not None:
            query = query.where(votes.c.at >= since)
        async with self._engine().connect() as conn:
            rows = (await conn.execute(query)).all()
        return [{"question": r.question, "vote": r.vote, "passages": json.loads(r.passages), "scope": r.scope,
                 "answer": r.id, "guild_id": r.guild_id, "channel_id": r.channel_id,
                 "index_version": r.index_version, "asked_at": r.created_at, "voted_at": r.at} for r in rows]

    # ------------------------------------------------------------------ settings

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
        return GuildSettings(gid, row.passages, bool(row.threads), bool(row.buttons), chosen)

    @database_errors
    async def update_settings(self, guild_id: int | str, **values) -> GuildSettings:
        """Change some of passages, threads, buttons for a server."""
        unknown = set(values) - {"passages", "threads", "buttons"}
        if unknown:
            raise ValueError(f"unknown settings: {sorted(unknown)}")
        gid = str(guild_id)
        current = await self.settings(gid)
        row = {"guild_id": gid, "passages": current.passages, "threads": current.threads,
               "buttons": current.buttons, **values, "updated_at": time.time()}
        async with self._engine().begin() as conn:
            await conn.execute(_upsert(self.kind, guild_settings, row, ["guild_id"],
                                       ["passages", "threads", "buttons", "updated_at"]))
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
                await conn.execute(_upsert(self.kind, channel_settings,
                                           {"guild_id": gid, "channel_id": cid, "enabled": enabled},
                                           ["guild_id", "channel_id"], ["enabled"]))
        return await self.settings(gid)


def _answer(row) -> StoredAnswer:
    passages = [ShownPassage(p["id"], p["document"], int(p["paragraph"]), p["hash"]) for p in json.loads(row.passages)]
    return StoredAnswer(row.id, row.question, row.scope, passages, row.created_at, row.guild_id, row.channel_id,
                        row.index_version, json.loads(row.filters or "{}"))


def _id(value) -> str | None:
    return None if value is None else str(value)


def _short(exc: BaseException) -> str:
    return str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]


def _dialect_insert(kind: str):
    if kind == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def _upsert(kind: str, table: sa.Table, values: dict, keys: list[str], update: list[str]):
    statement = _dialect_insert(kind)(table).values(**values)
    return statement.on_conflict_do_update(index_elements=keys, set_={c: statement.excluded[c] for c in update})


def _insert_ignore(kind: str, table: sa.Table, values: dict, keys: list[str]):
    return _dialect_insert(kind)(table).values(**values).on_conflict_do_nothing(index_elements=keys)
