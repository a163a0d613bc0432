"""Bot settings: read once from the environment and ``.env``, validated at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import field_validator

from embeddings.config import EngineEnv, EngineSettings, SettingsError, setting

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
    DISCORD_TOKEN: str = setting(
        "", "Discord bot token (Developer Portal -> your application -> Bot -> Reset Token). Leave empty to run "
        "a local console that answers the same way, without Discord.",
        readme="The bot's token; empty runs the local console.")
    ADMIN_ROLES: str = setting(
        "", "Who may run /reindex besides members with Administrator or Manage Server: comma-separated role ids "
        "(e.g. 123456789012345678) or SERVER_ID:Role Name pairs. A bare role name is refused: it would match a "
        "role of that name on any server.", readme="Role ids (or `SERVER_ID:Role Name`) that may `/reindex`.")
    USER_COOLDOWN: str = setting(
        "5/60", "Per-user limit on questions: COUNT/SECONDS. A bare mention (which gets help) costs nothing.",
        valid="questions per seconds, like 5/60", pattern=r"^[1-9]\d*\s*/\s*\d+(\.\d+)?$",
        readme="Questions a user may ask per number of seconds.")
    MAX_QUESTION_CHARS: int = setting(
        500, "Longest question, 20-6000 characters: /ask refuses longer ones as they are typed (Discord enforces "
        "it); longer mentions are cut, with a note in the reply.",
        valid=f"a whole number from 20 to {MAX_OPTION_CHARS}", ge=20, le=MAX_OPTION_CHARS)
    DEV_GUILD_ID: int | None = setting(
        None, "Register the slash commands in this one server only (instant; handy while testing).",
        valid="a server id (a whole number)", ge=1)
    SHARD_COUNT: int | None = setting(
        None, "Run sharded with discord.py's AutoShardedBot with this many shards (large bots only).",
        valid="a whole number >= 1", ge=1)
    SHARD_IDS: str = setting(
        "", "With SHARD_COUNT: the shards this process runs (distinct, below SHARD_COUNT), when shards are spread "
        "over processes (e.g. 0,1 here and 2,3 in another process sharing DATA_DIR and INDEX_DIR).")
    DISCORD_API_BASE: str = setting(
        "", "Override Discord's REST API address (a REST proxy, local tests), e.g. http://127.0.0.1:8080/api/v10.")
    DISCORD_GATEWAY_URL: str = setting(
        "", "Override Discord's gateway address (a gateway proxy, local tests), e.g. ws://127.0.0.1:8080/gateway.")
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = setting(
        "INFO", "DEBUG, INFO, WARNING or ERROR. Questions are logged only at DEBUG.",
        valid="DEBUG, INFO, WARNING or ERROR")
    LOG_FORMAT: Literal["text", "json"] = setting(
        "text", "text or json (one JSON object per line).", valid="text or json",
        readme="`json`: one JSON object a line.")
    METRICS_PORT: int | None = setting(
        None, "Health check and Prometheus metrics: /healthz and /metrics on this port (empty: off; 0: any free "
        "port).", valid="a port number (0 for any free port)", ge=0, le=65535, shown="off",
        readme="`/healthz` and Prometheus `/metrics` on this port.")
    METRICS_HOST: str = setting("127.0.0.1", "The address /healthz and /metrics listen on.")
    BOT_DB: str = setting(
        "", "The bot's database (feedback votes and each server's /settings): SQLite, in this file (several shard "
        "processes on one machine may share it).", shown="INDEX_DIR/bot.sqlite3")
    DATABASE_URL: str = setting(
        "", "PostgreSQL instead of SQLite, for shards on several machines: postgresql://user:password@host:5432/db",
        valid="a postgresql://user:password@host:port/database address",
        pattern=r"^(postgres(ql)?(\+asyncpg)?://\S+)?$")
    FEEDBACK_DAYS: int = setting(
        90, "Days a stored answer and its votes are kept (1-3650); older ones are purged every hour.",
        valid="a whole number of days from 1 to 3650", ge=1, le=3650,
        readme="Days the stored answers and votes are kept.")

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


def _shown(field) -> str:
    extra = field.json_schema_extra or {}
    if extra.get("shown"):
        return extra["shown"]
    return "" if field.default is None else str(field.default)


def ordered():
    """The settings in the order a new user meets them: the token first."""
    return sorted(BotEnv.model_fields.items(), key=lambda item: item[0] != "DISCORD_TOKEN")


def env_example() -> str:
    """``.env.example``, written from the declarations above (``python -m bot.settings``)."""
    import textwrap

    out = ["# Copy to .env and fill in. Every setting is optional; the defaults are shown.",
           "# Written by `.venv/bin/python -m bot.settings > .env.example` from bot/settings.py and",
           "# embeddings/config.py, where each setting is declared.", ""]
    for name, field in ordered():
        extra = field.json_schema_extra or {}
        out += textwrap.wrap(extra["help"], 96, initial_indent="# ", subsequent_indent="# ", break_on_hyphens=False)
        shown = extra.get("shown")
        if shown:
            out.append(f"# Default: {shown}")
        out += [f"{name}={'' if shown or field.default is None else field.default}", ""]
    return "\n".join(out)


def readme_table() -> str:
    """The README's table of the settings most often changed, from the same declarations."""
    rows = ["| setting | default | meaning |", "|---|---|---|"]
    for name, field in ordered():
        extra = field.json_schema_extra or {}
        if extra.get("readme"):
            shown = _shown(field)
            default = f"`{shown}`" if shown and shown != "off" else shown or "empty"
            rows.append(f"| `{name}` | {default} | {extra['readme']} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(env_example(), end="")
