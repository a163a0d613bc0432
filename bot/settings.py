"""Bot settings: read once from the environment and ``.env``, validated at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from embeddings.config import EngineEnv, EngineSettings, SettingsError

MAX_OPTION_CHARS = 6000  # Discord's longest string option
__all__ = ["AdminRole", "BotSettings", "SettingsError"]


@dataclass(frozen=True)
class AdminRole:
    """A role allowed to run /reindex: by id, or by name within one server (never by name alone,
    so a role of the same name on another server grants nothing)."""

    role_id: int | None = None
    guild_id: int | None = None
    name: str | None = None

    def matches(self, guild_id: int | None, roles: list[tuple[int, str]]) -> bool:
        for rid, rname in roles:
            if self.role_id is not None and rid == self.role_id:
                return True
            if self.name is not None and guild_id == self.guild_id and rname == self.name:
                return True
        return False


@dataclass(frozen=True)
class BotSettings:
    token: str
    engine: EngineSettings
    api_base: str = ""
    gateway_url: str = ""
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None  # this process's shards, when shards span processes
    admin_roles: tuple[AdminRole, ...] = ()
    dev_guild_id: int | None = None
    cooldown_rate: int = 5
    cooldown_seconds: float = 60.0
    max_question_chars: int = 500
    log_level: str = "INFO"
    log_format: str = "text"  # or "json"
    metrics_port: int | None = None  # /healthz and /metrics (bot.metrics); None: off; 0: any free port
    metrics_host: str = "127.0.0.1"
    database_url: str = ""  # PostgreSQL for shards on several machines; else the SQLite file bot_db
    bot_db: Path | None = None
    feedback_days: int = 90

    @property
    def sqlite_path(self) -> Path:
        return self.bot_db or self.engine.index_dir / "bot.sqlite3"

    def __repr__(self) -> str:  # never show the token
        return f"BotSettings(token={'<set>' if self.token else '<none>'}, api_base={self.api_base!r})"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> BotSettings:
        """Read and validate the environment; raises SettingsError naming a bad variable."""
        v = BotEnv.read(env)
        rate, per = (float(x) for x in v.USER_COOLDOWN.split("/"))
        return cls(
            token=v.DISCORD_TOKEN,
            engine=EngineSettings.from_values(v),
            api_base=v.DISCORD_API_BASE.rstrip("/"),
            gateway_url=v.DISCORD_GATEWAY_URL,
            shard_count=v.SHARD_COUNT,
            shard_ids=_shard_ids(v.SHARD_IDS, v.SHARD_COUNT),
            admin_roles=_admin_roles(v.ADMIN_ROLES),
            dev_guild_id=v.DEV_GUILD_ID,
            cooldown_rate=int(rate),
            cooldown_seconds=per,
            max_question_chars=v.MAX_QUESTION_CHARS,
            log_level=v.LOG_LEVEL,
            log_format=v.LOG_FORMAT,
            metrics_port=v.METRICS_PORT,
            metrics_host=v.METRICS_HOST,
            database_url=v.DATABASE_URL,
            bot_db=Path(v.BOT_DB).expanduser() if v.BOT_DB else None,
            feedback_days=v.FEEDBACK_DAYS,
        )


class BotEnv(EngineEnv):
    DISCORD_TOKEN: str = ""
    DISCORD_API_BASE: str = ""
    DISCORD_GATEWAY_URL: str = ""
    SHARD_COUNT: int | None = Field(None, ge=1, description="a whole number >= 1")
    SHARD_IDS: str = ""
    ADMIN_ROLES: str = ""
    DEV_GUILD_ID: int | None = Field(None, ge=1, description="a server id (a whole number)")
    USER_COOLDOWN: str = Field("5/60", pattern=r"^[1-9]\d*\s*/\s*\d+(\.\d+)?$",
                               description="questions per seconds, like 5/60")
    MAX_QUESTION_CHARS: int = Field(500, ge=20, le=MAX_OPTION_CHARS,
                                    description=f"a whole number from 20 to {MAX_OPTION_CHARS}")
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="DEBUG, INFO, WARNING or ERROR")
    LOG_FORMAT: Literal["text", "json"] = Field("text", description="text or json")
    METRICS_PORT: int | None = Field(None, ge=0, le=65535, description="a port number (0 for any free port)")
    METRICS_HOST: str = "127.0.0.1"
    BOT_DB: str = ""
    DATABASE_URL: str = Field("", pattern=r"^(postgres(ql)?(\+asyncpg)?://\S+)?$",
                              description="a postgresql://user:password@host:port/database address")
    FEEDBACK_DAYS: int = Field(90, ge=1, le=3650, description="a whole number of days from 1 to 3650")

    @field_validator("LOG_FORMAT", mode="before")
    @classmethod
    def _lower(cls, value):
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("LOG_LEVEL", mode="before")
    @classmethod
    def _upper(cls, value):
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("USER_COOLDOWN")
    @classmethod
    def _positive(cls, value: str) -> str:
        if float(value.split("/")[1]) <= 0:
            raise ValueError("the seconds must be more than 0")
        return value


def _shard_ids(raw: str, count: int | None) -> tuple[int, ...] | None:
    if not raw:
        return None
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if count is None or not all(p.isdigit() and int(p) < count for p in parts) or len(set(parts)) != len(parts):
        raise SettingsError(f"SHARD_IDS must list distinct shard numbers below SHARD_COUNT (e.g. 0,1), not {raw!r}")
    return tuple(int(p) for p in parts)


def _admin_roles(raw: str) -> tuple[AdminRole, ...]:
    roles = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        if item.isdigit():
            roles.append(AdminRole(role_id=int(item)))
            continue
        guild, sep, name = item.partition(":")
        if not sep or not guild.strip().isdigit() or not name.strip():
            raise SettingsError(
                f"ADMIN_ROLES entry {item!r} must be a role id or SERVER_ID:Role Name "
                "(a bare role name would match a role of that name on any server)"
            )
        roles.append(AdminRole(guild_id=int(guild), name=name.strip()))
    return tuple(roles)
