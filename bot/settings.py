"""Bot settings: read once from the environment and ``.env``, validated at start-up."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from embeddings.config import EngineSettings


class SettingsError(ValueError):
    """A setting is malformed. The message names it."""


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

    def __repr__(self) -> str:  # never show the token
        return f"BotSettings(token={'<set>' if self.token else '<none>'}, api_base={self.api_base!r})"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> BotSettings:
        env = dict(os.environ if env is None else env)
        try:
            engine = EngineSettings.from_env(env)
        except ValueError as exc:
            raise SettingsError(str(exc)) from exc
        shard_count = _int(env, "SHARD_COUNT", minimum=1)
        shard_ids = _shard_ids(env.get("SHARD_IDS", ""), shard_count)
        rate, per = _cooldown(env.get("USER_COOLDOWN", "").strip() or "5/60")
        return cls(
            token=env.get("DISCORD_TOKEN", "").strip(),
            engine=engine,
            api_base=env.get("DISCORD_API_BASE", "").strip().rstrip("/"),
            gateway_url=env.get("DISCORD_GATEWAY_URL", "").strip(),
            shard_count=shard_count,
            shard_ids=shard_ids,
            admin_roles=_admin_roles(env.get("ADMIN_ROLES", "")),
            dev_guild_id=_int(env, "DEV_GUILD_ID", minimum=1),
            cooldown_rate=rate,
            cooldown_seconds=per,
            max_question_chars=_int(env, "MAX_QUESTION_CHARS", minimum=20) or 500,
            log_level=(env.get("LOG_LEVEL") or "INFO").upper(),
        )


def _int(env: dict[str, str], key: str, minimum: int) -> int | None:
    raw = env.get(key, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < minimum:
        raise SettingsError(f"{key} must be a whole number >= {minimum}, not {raw!r}")
    return int(raw)


def _shard_ids(raw: str, count: int | None) -> tuple[int, ...] | None:
    raw = raw.strip()
    if not raw:
        return None
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if count is None or not all(p.isdigit() and int(p) < count for p in parts):
        raise SettingsError(f"SHARD_IDS must list shard numbers below SHARD_COUNT (e.g. 0,1), not {raw!r}")
    return tuple(int(p) for p in parts)


def _cooldown(raw: str) -> tuple[int, float]:
    match = re.fullmatch(r"(\d+)\s*/\s*(\d+(?:\.\d+)?)", raw)
    if not match or int(match.group(1)) < 1 or float(match.group(2)) <= 0:
        raise SettingsError(f"USER_COOLDOWN must look like 5/60 (questions per seconds), not {raw!r}")
    return int(match.group(1)), float(match.group(2))


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
