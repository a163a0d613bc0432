"""The bot database's tables and their migrations (the store, ``bot.store`` and ``bot.guild_store``,
reads and writes them), and the SQL and error helpers both use. A new schema version adds a
function to MIGRATIONS; none is ever edited."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

SCHEMA_VERSION = 2

metadata = sa.MetaData()

meta = sa.Table("meta", metadata, sa.Column("key", sa.String(64), primary_key=True),
                sa.Column("value", sa.Text, nullable=False))

answers = sa.Table(
    "answers", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("created_at", sa.Float, nullable=False, index=True),
    sa.Column("guild_id", sa.String(32), nullable=True),
    sa.Column("channel_id", sa.String(32), nullable=True),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("scope", sa.String(16), nullable=False),
    sa.Column("passages", sa.Text, nullable=False),  # JSON: [{id, document, paragraph, hash}]
    sa.Column("filters", sa.Text, nullable=False),  # JSON: {start, end, document} as the asker typed them
    sa.Column("index_version", sa.String(80), nullable=False),
    # Version 2: every answer is recorded (refused ones too), for /insights. The question's text
    # is kept only where the server turned insights on ("" elsewhere).
    sa.Column("path", sa.String(16), nullable=False, server_default="ask"),  # ask, mention, menu
    sa.Column("outcome", sa.String(16), nullable=False, server_default="answered"),  # or tentative, refused, error
    sa.Column("reason", sa.String(32), nullable=False, server_default=""),  # why refused
    sa.Column("document", sa.String(200), nullable=True),  # the top passage's document
    sa.Column("title", sa.Text, nullable=True),  # its title, as it was then
    sa.Column("passage", sa.String(200), nullable=True),  # the top passage's id
    sa.Column("latency_ms", sa.Float, nullable=True),
    sa.Column("language", sa.String(8), nullable=False, server_default="en"),
    sa.Column("more", sa.Text, nullable=False, server_default="[]"),  # JSON: the next passages [{id, highlight}]
)

votes = sa.Table(
    "votes", metadata,
    sa.Column("answer_id", sa.String(32), sa.ForeignKey("answers.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_hash", sa.String(64), primary_key=True),
    sa.Column("vote", sa.String(4), nullable=False),  # "up" or "down"
    sa.Column("at", sa.Float, nullable=False),
)

guild_settings = sa.Table(
    "guild_settings", metadata,
    sa.Column("guild_id", sa.String(32), primary_key=True),
    sa.Column("passages", sa.Integer, nullable=True),
    sa.Column("threads", sa.Boolean, nullable=False, default=False),
    sa.Column("buttons", sa.Boolean, nullable=False, default=True),
    sa.Column("insights", sa.Boolean, nullable=False, server_default=sa.false()),  # version 2: keep question text
    sa.Column("updated_at", sa.Float, nullable=False),
)

channel_settings = sa.Table(
    "channel_settings", metadata,
    sa.Column("guild_id", sa.String(32), primary_key=True),
    sa.Column("channel_id", sa.String(32), primary_key=True),
    sa.Column("enabled", sa.Boolean, nullable=False),
)

version_table = sa.Table("schema_version", metadata, sa.Column("version", sa.Integer, nullable=False))


def v1(sync_conn) -> None:
    for table in (meta, answers, votes, guild_settings, channel_settings):
        table.create(sync_conn, checkfirst=True)

def v2(sync_conn) -> None:
    """Every answer recorded, with what /insights shows; a server may keep question text. Adds
    the columns a version-1 database lacks (a new database has them from v1) and fills the
    top document and passage of the answers stored before, which were all answered."""
    present = {(t, c["name"]) for t in ("answers", "guild_settings")
               for c in sa.inspect(sync_conn).get_columns(t)}
    preparer = sync_conn.dialect.identifier_preparer
    for table in (answers, guild_settings):
        for column in table.columns:
            if (table.name, column.name) not in present:
                spec = sa.schema.CreateColumn(column).compile(dialect=sync_conn.dialect)
                sync_conn.exec_driver_sql(f"ALTER TABLE {preparer.quote(table.name)} ADD COLUMN {spec}")
    rows = sync_conn.execute(sa.select(answers.c.id, answers.c.passages).where(answers.c.passage.is_(None))).all()
    for answer_id, passages in rows:
        shown = json.loads(passages or "[]")
        if shown:
            sync_conn.execute(answers.update().where(answers.c.id == answer_id).values(
                passage=shown[0]["id"], document=shown[0]["document"]))


# Version n is reached by MIGRATIONS[n - 1]; add a function to change the schema, never edit one.
MIGRATIONS: tuple[Callable, ...] = (v1, v2)


def database_url(url: str, sqlite_path: Path) -> str:
    """The SQLAlchemy URL: DATABASE_URL with the asyncpg driver, else the SQLite file."""
    if url:
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+asyncpg://" + url[len(prefix):]
        return url
    return f"sqlite+aiosqlite:///{sqlite_path}"


def _dialect_insert(kind: str):
    if kind == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def upsert(kind: str, table: sa.Table, values: dict, keys: list[str], update: list[str], *, newer: str = ""):
    """INSERT ... ON CONFLICT (keys) DO UPDATE the ``update`` columns, in either back end; with
    ``newer``, only if the row's value of that column is not newer than the one written."""
    statement = _dialect_insert(kind)(table).values(**values)
    where = table.c[newer] <= statement.excluded[newer] if newer else None
    return statement.on_conflict_do_update(index_elements=keys, set_={c: statement.excluded[c] for c in update},
                                           where=where)


def insert_ignore(kind: str, table: sa.Table, values: dict | None, keys: list[str]):
    """INSERT ... ON CONFLICT (keys) DO NOTHING: writing a row twice is harmless. Without
    ``values``, the rows are given to ``execute`` (many at once)."""
    statement = _dialect_insert(kind)(table)
    if values is not None:
        statement = statement.values(**values)
    return statement.on_conflict_do_nothing(index_elements=keys)


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
            raise StoreError(f"{method.__name__}: {short_error(exc)}") from exc

    return wrapper


def short_error(exc: BaseException) -> str:
    return str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]
