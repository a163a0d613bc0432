"""The bot database's tables and their migrations (the store, ``bot.store``, reads and writes them).
A new schema version adds a function to MIGRATIONS; none is ever edited."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

SCHEMA_VERSION = 1

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

# Version n is reached by MIGRATIONS[n - 1]; add a function to change the schema, never edit one.
MIGRATIONS: tuple[Callable, ...] = (v1,)
