"""A local emulator of Discord's HTTP API and gateway, for end-to-end tests of the real
discord.py client. It listens on 127.0.0.1 only, speaks gateway v10 JSON (text frames, so the
client's decompressor is not involved) and records every REST call the bot makes.

What it implements is what the bot uses: login (users/@me, applications/@me), the gateway
handshake (HELLO, IDENTIFY, READY, GUILD_CREATE, heartbeats, RESUME), sending messages, typing,
interaction callbacks, follow-ups and edits, and bulk command registration. Tests inject
gateway events (MESSAGE_CREATE, INTERACTION_CREATE) and 429 rate limits.

Discord's rules the bot relies on are enforced, with Discord's error codes, so a test fails where
real Discord would (https://discord.com/developers/docs/interactions/receiving-and-responding):

* an interaction is answered once (40060), within 3 seconds of its creation (10062);
* follow-ups and edits need an answered interaction (10015), and the first follow-up after a
  deferred answer *is* that answer: it keeps the defer's visibility whatever flags it asks for
  (``shown`` tells what each user would see);
* message limits: content 2,000 characters, 10 embeds, title 256, description 4,096, 25 fields,
  field name 256 and value 1,024, 6,000 characters over all embeds (50035); uploads 8 MB (40005);
* autocomplete answers: at most 25 choices, each name and value 1 to 100 characters (50035);
* Discord's client never sends an option value outside the command's min_length and max_length;
* components: 5 action rows of 5 buttons, labels up to 80 characters, custom ids of 1-100
  characters unique in the message (50035); an update of the message (callback 6 or 7) answers
  only a click on a component, and a click is answered within the same 3 seconds;
* a thread's name is 1-100 characters.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

_ids = itertools.count(1_100_000_000_000_000_000)


def snowflake() -> str:
    return str(next(_ids))


def _json(data: Any, status: int = 200, headers: dict | None = None) -> web.Response:
    # Exactly "application/json", as Discord sends it (discord.py compares the header literally).
    return web.Response(body=json.dumps(data).encode(), status=status,
                        headers={"Content-Type": "application/json", **(headers or {})})


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


ATTACHMENT_LIMIT = 8 * 1024 * 1024  # Discord's per-message upload limit for a server without boosts
RESPONSE_WINDOW = 3.0  # seconds Discord waits for an interaction's first answer
EPHEMERAL = 64


def form_errors(body: dict) -> list[str]:
    """What Discord's validation would refuse in a message body (content, embeds)."""
    errors = []
    if len(body.get("content") or "") > 2000:
        errors.append("content: must be 2000 or fewer in length")
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        errors.append("embeds: must be 10 or fewer in length")
    total = 0
    for n, e in enumerate(embeds):
        title, description, fields = e.get("title") or "", e.get("description") or "", e.get("fields") or []
        footer = (e.get("footer") or {}).get("text") or ""
        author = (e.get("author") or {}).get("name") or ""
        if len(title) > 256:
            errors.append(f"embeds.{n}.title: must be 256 or fewer in length")
        if len(description) > 4096:
            errors.append(f"embeds.{n}.description: must be 4096 or fewer in length")
        if len(fields) > 25:
            errors.append(f"embeds.{n}.fields: must be 25 or fewer in length")
        for f in fields:
            if len(f.get("name") or "") > 256 or len(f.get("value") or "") > 1024:
                errors.append(f"embeds.{n}.fields: name 256, value 1024 at most")
            total += len(f.get("name") or "") + len(f.get("value") or "")
        total += len(title) + len(description) + len(footer) + len(author)
    if total > 6000:
        errors.append("embeds: 6000 characters at most in all embeds of a message")
    errors += component_errors(body.get("components"))
    choices = body.get("choices")
    if choices is not None:  # an autocomplete answer: 25 choices, names and values 1-100 characters
        if len(choices) > 25:
            errors.append("choices: must be 25 or fewer in length")
        for n, c in enumerate(choices):
            if not 1 <= len(str(c.get("name", ""))) <= 100 or not 1 <= len(str(c.get("value", ""))) <= 100:
                errors.append(f"choices.{n}: name and value must be 1 to 100 characters")
    return errors


_NAME_RE = re.compile(r"^[-_\w]{1,32}$")


def command_errors(command: dict) -> list[str]:
    """What Discord refuses in a command it is asked to register: names (and their translations)
    of 1-32 lower-case letters, digits, - or _; descriptions (and theirs) of 1-100 characters;
    option names unique within a command in every language."""
    errors = []

    def check(item: dict, where: str, options: list[dict]) -> None:
        names = [item.get("name", ""), *(item.get("name_localizations") or {}).values()]
        for name in names:
            if not _NAME_RE.match(name) or name != name.lower():
                errors.append(f"{where}: name {name!r} is not 1-32 lower-case letters, digits, - or _")
        descriptions = [item.get("description", ""), *(item.get("description_localizations") or {}).values()]
        for text in descriptions:
            if not 1 <= len(text) <= 100:
                errors.append(f"{where}: description {text[:40]!r}… must be 1-100 characters")
        for locale in {"", *(k for o in options for k in (o.get("name_localizations") or {}))}:
            seen = [(o.get("name_localizations") or {}).get(locale, o["name"]) if locale else o["name"]
                    for o in options]
            if len(seen) != len(set(seen)):
                errors.append(f"{where}: option names repeat in {locale or 'English'}: {seen}")
        for option in options:
            check(option, f"{where}.{option['name']}", option.get("options") or [])

    check(command, command.get("name", "?"), command.get("options") or [])
    return errors


def _flat_options(options: list[dict]) -> list[dict]:
    """Options with those of subcommands (and groups) in them."""
    out = []
    for option in options:
        out.append(option)
        out += _flat_options(option.get("options") or [])
    return out


def component_errors(rows) -> list[str]:
    """Discord's rules for message components: at most 5 action rows of at most 5 buttons, each
    button with a label of at most 80 characters and a custom id of 1-100, unique in the message."""
    if not rows:
        return []
    errors = []
    if len(rows) > 5:
        errors.append("components: must be 5 or fewer in length")
    seen: set[str] = set()
    for n, row in enumerate(rows):
        items = row.get("components") or []
        if row.get("type") != 1 or not 1 <= len(items) <= 5:
            errors.append(f"components.{n}: an action row holds 1 to 5 components")
        for item in items:
            custom_id = item.get("custom_id") or ""
            if item.get("type") == 2 and not (item.get("url") or 1 <= len(custom_id) <= 100):
                errors.append(f"components.{n}: a button needs a custom_id of 1 to 100 characters")
            if len(item.get("label") or "") > 80:
                errors.append(f"components.{n}: a button label must be 80 or fewer in length")
            if custom_id in seen:
                errors.append(f"components.{n}: custom_id {custom_id!r} is used twice in the message")
            seen.add(custom_id)
    return errors


@dataclass
class InteractionState:
    """What Discord knows about one interaction: when it came, how it was answered."""

    created: float
    kind: int | None = None  # the callback type: 4 message, 5 deferred, 6/7 component update, 8 autocomplete
    component_of: str | None = None  # for a click: the id of the message whose button was clicked
    flags: int = 0  # the answer's flags (ephemeral or not); a follow-up cannot change the first
    answered: bool = False  # a deferred answer's first follow-up (or edit) has come
    shown: list[dict] = field(default_factory=list)  # messages as users see them


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    json: Any
    at: float = field(default_factory=time.monotonic)
    status: int = 200
    files: list[tuple[str, bytes]] = field(default_factory=list)  # attachments: (filename, content)
    ephemeral: bool | None = None  # for an interaction's message: whether only its user sees it


class DiscordEmulator:
    API = "/api/v10"

    def __init__(self) -> None:
        self.app_id = snowflake()
        self.bot_user = {
            "id": self.app_id, "username": "StatementBot", "discriminator": "0",
            "global_name": "Statement Bot", "avatar": None, "bot": True, "flags": 0,
        }
        self.guild_id = snowflake()
        self.channel_id = snowflake()
        self.admin_role_id = snowflake()
        self.helper_role_id = snowflake()
        self.owner = self.make_user("owner")
        self.requests: list[Recorded] = []
        self.identifies: list[dict] = []
        self.resumes: list[dict] = []
        self.commands: dict[str, dict] = {}  # name -> registered command
        self.command_puts = 0
        self._sockets: list[web.WebSocketResponse] = []
        self._shard_of: dict[int, tuple[int, int]] = {}  # id(ws) -> (shard id, shard count)
        self._seq = 0
        self._changed = asyncio.Condition()
        self._rate_limits: list[tuple[str, str, int, float]] = []  # method, path part, count, retry
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.ready = asyncio.Event()
        self.heartbeats = 0
        self._interaction_tokens: set[str] = set()
        self.interactions: dict[str, InteractionState] = {}  # by token
        self._expired_tokens: set[str] = set()
        self._failures: list[list] = []
        self.session_id = "session-" + snowflake()
        self.messages: dict[str, dict] = {}  # every message the bot sent (as last edited), by id
        self.threads: dict[str, dict] = {}  # threads the bot started, by id
        self.gateway_refused_until = 0.0  # monotonic time until which gateway connections fail
        self.gateway_refusals = 0

    # ------------------------------------------------------------------ lifecycle

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.API}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def start(self) -> DiscordEmulator:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", self.API + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner:
            await self._runner.cleanup()

    # ------------------------------------------------------------------ people and events

    def make_user(self, name: str) -> dict:
        return {"id": snowflake(), "username": name, "discriminator": "0", "global_name": name,
                "avatar": None, "bot": False, "flags": 0}

    def member(self, user: dict, roles: list[str] | None = None, permissions: int = 0) -> dict:
        return {"user": user, "roles": roles or [], "joined_at": now_iso(), "deaf": False,
                "mute": False, "flags": 0, "permissions": str(permissions), "nick": None}

    def guild_payload(self) -> dict:
        everyone = {"id": self.guild_id, "name": "@everyone", "permissions": str(0x400 | 0x800 | 0x80000000),
                    "position": 0, "color": 0, "hoist": False, "managed": False, "mentionable": False,
                    "flags": 0}
        role = lambda rid, name, perms: {**everyone, "id": rid, "name": name, "permissions": str(perms),  # noqa: E731
                                         "position": 1}
        return {
            "id": self.guild_id, "name": "Test Server", "icon": None, "owner_id": self.owner["id"],
            "afk_timeout": 300, "verification_level": 0, "default_message_notifications": 0,
            "explicit_content_filter": 0, "features": [], "mfa_level": 0, "system_channel_flags": 0,
            "premium_tier": 0, "nsfw_level": 0, "preferred_locale": "en-US", "unavailable": False,
            "member_count": 3, "large": False, "joined_at": now_iso(),
            "roles": [everyone, role(self.admin_role_id, "Bot Admin", 0),
                      role(self.helper_role_id, "Helper", 0)],
            "emojis": [], "stickers": [], "voice_states": [], "presences": [], "threads": [],
            "stage_instances": [], "guild_scheduled_events": [], "soundboard_sounds": [],
            "members": [self.member(self.bot_user)],
            "channels": [{"id": self.channel_id, "type": 0, "name": "general", "position": 0,
                          "permission_overwrites": [], "nsfw": False, "parent_id": None,
                          "guild_id": self.guild_id, "topic": None, "last_message_id": None,
                          "rate_limit_per_user": 0}],
        }

    async def dispatch(self, event: str, data: dict) -> None:
        """Send one gateway DISPATCH to the session (shard) that holds the guild."""
        self._seq += 1
        frame = json.dumps({"op": 0, "t": event, "s": self._seq, "d": data})
        for ws in list(self._sockets):
            if not ws.closed and self._holds_guild(ws):
                await ws.send_str(frame)

    def _holds_guild(self, ws: web.WebSocketResponse) -> bool:
        shard_id, count = self._shard_of.get(id(ws), (0, 1))
        return (int(self.guild_id) >> 22) % count == shard_id

    async def send_message(self, content: str, *, author: dict | None = None, mentions_bot: bool = True,
                           extra: dict | None = None) -> dict:
        author = author or self.make_user("asker")
        mentions = [self.bot_user] if mentions_bot else []
        message = {
            "id": snowflake(), "channel_id": self.channel_id, "guild_id": self.guild_id,
            "author": author, "member": {k: v for k, v in self.member(author).items() if k != "user"},
            "content": content, "timestamp": now_iso(), "edited_timestamp": None, "tts": False,
            "mention_everyone": False, "mentions": mentions, "mention_roles": [], "attachments": [],
            "embeds": [], "pinned": False, "type": 0, "flags": 0, "components": [],
            **(extra or {}),
        }
        await self.dispatch("MESSAGE_CREATE", message)
        return message

    async def interact(self, name: str, options: list[dict] | None = None, *, user: dict | None = None,
                       permissions: int = 0, roles: list[str] | None = None, autocomplete: bool = False,
                       guild_id: str | None = None, expired: bool = False) -> dict:
        """Dispatch INTERACTION_CREATE for a registered slash command (or its autocomplete)."""
        command = self.commands.get(name)
        if command is None:
            raise AssertionError(f"command /{name} is not registered: {sorted(self.commands)}")
        for option in options or []:  # Discord's client does not send what the command refuses
            spec = next((o for o in command.get("options", []) if o["name"] == option["name"]), None)
            value = option.get("value")
            if spec is None:
                raise AssertionError(f"/{name} has no option {option['name']!r}")
            if isinstance(value, str) and not autocomplete and len(value) > spec.get("max_length", 6000):
                raise AssertionError(f"Discord would not send /{name} {option['name']}: longer than "
                                     f"{spec.get('max_length', 6000)} characters")
            if isinstance(value, str) and not autocomplete and len(value) < spec.get("min_length", 0):
                raise AssertionError(f"Discord would not send /{name} {option['name']}: shorter than "
                                     f"{spec['min_length']} characters")
        user = user or self.make_user("member")
        channels = {o["value"] for o in _flat_options(options or []) if o.get("type") == 7}
        resolved = {"channels": {cid: {"id": cid, "type": 0, "name": "general" if cid == self.channel_id else
                                       f"channel-{cid[-4:]}", "guild_id": self.guild_id, "parent_id": None,
                                       "permissions": str((1 << 50) - 1)} for cid in channels}}
        payload = {
            "id": snowflake(), "application_id": self.app_id, "type": 4 if autocomplete else 2,
            "token": "itoken-" + snowflake(), "version": 1,
            "guild_id": guild_id or self.guild_id, "channel_id": self.channel_id,
            "channel": {"id": self.channel_id, "type": 0, "guild_id": self.guild_id, "name": "general",
                        "position": 0, "permission_overwrites": [], "nsfw": False, "parent_id": None},
            "member": self.member(user, roles, permissions),
            "data": {"id": command["id"], "name": name, "type": 1, "options": options or [],
                     "guild_id": self.guild_id, **({"resolved": resolved} if channels else {})},
            "locale": "en-US", "guild_locale": "en-US", "app_permissions": str((1 << 50) - 1),
            "entitlements": [], "authorizing_integration_owners": {"0": self.guild_id}, "context": 0,
            "attachment_size_limit": 8 * 1024 * 1024,
        }
        self._interaction_tokens.add(payload["token"])
        self.interactions[payload["token"]] = InteractionState(time.monotonic())
        if expired:  # Discord's answer when the 3-second window has passed
            self._expired_tokens.add(payload["token"])
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    async def click(self, message: dict, custom_id: str, *, user: dict | None = None, expired: bool = False) -> dict:
        """Dispatch INTERACTION_CREATE for a click on a button of a message the bot sent."""
        message = self.messages.get(message["id"], message)
        ids = [c.get("custom_id") for row in message.get("components") or [] for c in row.get("components") or []]
        if custom_id not in ids:
            raise AssertionError(f"the message has no button {custom_id!r}: {ids}")
        user = user or self.make_user("clicker")
        payload = {
            "id": snowflake(), "application_id": self.app_id, "type": 3, "token": "itoken-" + snowflake(),
            "version": 1, "guild_id": self.guild_id, "channel_id": message["channel_id"],
            "channel": {"id": message["channel_id"], "type": 0, "guild_id": self.guild_id, "name": "general",
                        "position": 0, "permission_overwrites": [], "nsfw": False, "parent_id": None},
            "member": self.member(user), "message": message,
            "data": {"custom_id": custom_id, "component_type": 2},
            "locale": "en-US", "guild_locale": "en-US", "app_permissions": str((1 << 50) - 1),
            "entitlements": [], "authorizing_integration_owners": {"0": self.guild_id}, "context": 0,
            "attachment_size_limit": 8 * 1024 * 1024,
        }
        self._interaction_tokens.add(payload["token"])
        self.interactions[payload["token"]] = InteractionState(time.monotonic(), component_of=message["id"])
        if expired:
            self._expired_tokens.add(payload["token"])
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    # ------------------------------------------------------------------ waiting on the bot

    async def wait_for(self, predicate: Callable[[Recorded], bool], timeout: float = 30.0) -> Recorded:
        """The first recorded request (past or future) for which ``predicate`` holds."""
        deadline = time.monotonic() + timeout
        async with self._changed:
            while True:
                for req in self.requests:
                    if predicate(req):
                        return req
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [(r.method, r.path) for r in self.requests[-15:]]
                    raise AssertionError(f"no matching request within {timeout}s; last seen: {seen}")
                try:
                    await asyncio.wait_for(self._changed.wait(), remaining)
                except TimeoutError:
                    pass

    def shown(self, interaction: dict) -> list[dict]:
        """The messages of an interaction as Discord shows them: ``ephemeral`` (only its user sees
        it), ``content`` and ``embeds``; an edited message appears once, as last edited."""
        return self.interactions[interaction["token"]].shown

    async def answer(self, interaction: dict, timeout: float = 60.0) -> Recorded:
        """The request that carried the answer: the callback if it held a message, else the first
        follow-up or edit after a defer."""
        token = interaction["token"]
        return await self.wait_for(
            lambda r: r.status == 200 and (
                (r.method == "POST" and r.path.endswith(f"{token}/callback") and (r.json or {}).get("type") == 4)
                or (r.method in {"POST", "PATCH"} and f"/webhooks/{self.app_id}/{token}" in r.path)), timeout)

    def calls(self, method: str, part: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and part in r.path]

    async def callback(self, interaction: dict, timeout: float = 30.0) -> Recorded:
        return await self.wait_for(
            lambda r: r.method == "POST" and r.path.endswith(f"/interactions/{interaction['id']}/"
                                                             f"{interaction['token']}/callback"), timeout)

    async def followup(self, interaction: dict, timeout: float = 60.0) -> Recorded:
        """The answer after a defer: a follow-up message or an edit of the original."""
        token = interaction["token"]
        return await self.wait_for(
            lambda r: (r.method in {"POST", "PATCH"} and f"/webhooks/{self.app_id}/{token}" in r.path), timeout)

    async def reply_to(self, message: dict, timeout: float = 60.0) -> Recorded:
        return await self.wait_for(
            lambda r: r.method == "POST" and r.path.endswith(f"/channels/{self.channel_id}/messages")
            and str((r.json or {}).get("message_reference", {}).get("message_id")) == message["id"], timeout)

    def fail(self, method: str, path_part: str, status: int, code: int, message: str, count: int = 1) -> None:
        """Answer the next ``count`` matching requests with an error, as Discord would."""
        self._failures.append([method, path_part, status, code, message, count])

    def rate_limit(self, method: str, path_part: str, count: int = 1, retry_after: float = 0.3) -> None:
        """Answer the next ``count`` matching requests with 429 Too Many Requests."""
        self._rate_limits.append((method, path_part, count, retry_after))

    def refuse_gateway(self, seconds: float) -> None:
        """Refuse gateway connections (HTTP 503 at the handshake, as during a Discord outage)
        for the next ``seconds``; the clients' retries fail until then."""
        self.gateway_refused_until = time.monotonic() + seconds

    async def drop_connection(self) -> None:
        """Close the gateway socket as Discord does before asking a client to resume."""
        for ws in list(self._sockets):
            await ws.close(code=4000, message=b"reconnect")

    # ------------------------------------------------------------------ REST

    async def _record(self, req: Recorded) -> None:
        async with self._changed:
            self.requests.append(req)
            self._changed.notify_all()

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = request.path[len(self.API):]
        body: Any = None
        files: list[tuple[str, bytes]] = []
        if request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
            elif request.content_type.startswith("multipart/"):
                reader = await request.multipart()
                async for part in reader:
                    if part.name == "payload_json":
                        body = json.loads(await part.text())
                    elif part.filename:
                        files.append((part.filename, bytes(await part.read())))
        if sum(len(data) for _, data in files) > ATTACHMENT_LIMIT:
            await self._record(Recorded(request.method, path, dict(request.query), body, status=413, files=files))
            return _json({"message": "Request entity too large", "code": 40005}, status=413)
        if path.startswith(("/interactions/", "/webhooks/")):
            # Interaction endpoints are authorised by the interaction token in the path.
            authorised = any(t in self._interaction_tokens for t in path.split("/"))
        else:
            authorised = request.headers.get("Authorization") == f"Bot {self.token}"
        if not authorised:
            await self._record(Recorded(request.method, path, dict(request.query), body, status=401))
            return _json({"message": "401: Unauthorized", "code": 0}, status=401)
        for i, (method, part, count, retry) in enumerate(self._rate_limits):
            if method == request.method and part in path and count > 0:
                self._rate_limits[i] = (method, part, count - 1, retry)
                await self._record(Recorded(request.method, path, dict(request.query), body, status=429))
                return _json(
                    {"message": "You are being rate limited.", "retry_after": retry, "global": False},
                    status=429,
                    headers={"Retry-After": str(retry), "X-RateLimit-Remaining": "0",
                             "X-RateLimit-Reset-After": str(retry), "X-RateLimit-Limit": "5",
                             "X-RateLimit-Bucket": "test-bucket", "X-RateLimit-Scope": "user"})
        for failure in self._failures:
            method, part, status, code, message, count = failure
            if method == request.method and part in path and count > 0:
                failure[5] -= 1
                await self._record(Recorded(request.method, path, dict(request.query), body, status=status))
                return _json({"message": message, "code": code}, status=status)
        if any(t in self._expired_tokens for t in path.split("/")):
            await self._record(Recorded(request.method, path, dict(request.query), body, status=404))
            return _json({"message": "Unknown interaction", "code": 10062}, status=404)
        refused = self._interaction_rules(request.method, path, body)
        if refused is not None:
            status, code, message = refused
            await self._record(Recorded(request.method, path, dict(request.query), body, status=status))
            return _json({"message": message, "code": code}, status=status)
        recorded = Recorded(request.method, path, dict(request.query), body, files=files)
        self._show(recorded)
        await self._record(recorded)
        return await self._answer(request.method, path, body)

    def _state(self, path: str) -> InteractionState | None:
        return next((self.interactions[t] for t in path.split("/") if t in self.interactions), None)

    def _interaction_rules(self, method: str, path: str, body: Any) -> tuple[int, int, str] | None:
        """Discord's answer to a request that breaks an interaction rule, or None."""
        state = self._state(path)
        message = (body or {}).get("data") if path.endswith("/callback") else body
        if isinstance(message, dict) and (errors := form_errors(message)):
            return 400, 50035, "Invalid Form Body: " + "; ".join(errors)
        if state is None:
            return None
        if path.endswith("/callback"):
            if time.monotonic() - state.created > RESPONSE_WINDOW:
                return 404, 10062, "Unknown interaction"
            if state.kind is not None:
                return 400, 40060, "Interaction has already been acknowledged."
            if (body or {}).get("type") in (6, 7) and state.component_of is None:
                return 400, 50035, "Invalid Form Body: type: an update is only for message components"
            return None
        if path.startswith("/webhooks/") and state.kind is None:
            return 404, 10015, "Unknown Webhook"
        return None

    def _show(self, req: Recorded) -> None:
        """Update what users see of an interaction after an accepted request."""
        state = self._state(req.path)
        if state is None or req.method not in {"POST", "PATCH"}:
            return
        body = req.json or {}
        if req.path.endswith("/callback"):
            state.kind = body.get("type")
            state.flags = int((body.get("data") or {}).get("flags") or 0)
            if state.kind == 4:
                req.ephemeral = bool(state.flags & EPHEMERAL)
                state.answered = True
                state.shown.append({"ephemeral": req.ephemeral, "content": body["data"].get("content") or "",
                                    "embeds": body["data"].get("embeds") or []})
            elif state.kind in (6, 7):
                state.answered = True
                if state.kind == 7 and state.component_of in self.messages:
                    data = body.get("data") or {}
                    self.messages[state.component_of].update(
                        {k: data[k] for k in ("content", "embeds", "components") if k in data})
            return
        original = req.path.endswith("/messages/@original")
        first = state.kind == 5 and not state.answered
        if original or (req.method == "POST" and first):
            # The deferred answer itself: its visibility was fixed by the defer.
            req.ephemeral = bool(state.flags & EPHEMERAL)
            shown = {"ephemeral": req.ephemeral, "content": body.get("content") or "",
                     "embeds": body.get("embeds") or []}
            if state.answered and state.shown and original:
                state.shown[0] = shown
            else:
                state.shown.insert(0, shown)
            state.answered = True
            return
        if req.method == "POST":
            req.ephemeral = bool(int(body.get("flags") or 0) & EPHEMERAL)
            state.shown.append({"ephemeral": req.ephemeral, "content": body.get("content") or "",
                                "embeds": body.get("embeds") or []})

    token = "test-token"

    async def _answer(self, method: str, path: str, body: Any) -> web.StreamResponse:
        parts = path.strip("/").split("/")
        if path == "/users/@me":
            return _json(self.bot_user)
        if path == "/oauth2/applications/@me":
            return _json({
                "id": self.app_id, "name": "StatementBot", "icon": None, "description": "",
                "bot_public": True, "bot_require_code_grant": False, "verify_key": "0" * 64,
                "flags": 0, "owner": self.owner, "team": None, "summary": "",
                "bot": self.bot_user})
        if path == "/gateway/bot":
            return _json({"url": self.gateway_url, "shards": 1, "session_start_limit": {
                "total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}})
        if parts[0] == "applications" and parts[-1] == "commands" and method == "PUT":
            errors = [e for command in body or [] for e in command_errors(command)]
            if errors:
                return _json({"message": "Invalid Form Body: " + "; ".join(errors), "code": 50035}, status=400)
            self.command_puts += 1
            registered = []
            for command in body or []:
                entry = {**command, "id": snowflake(), "application_id": self.app_id, "version": snowflake()}
                self.commands[command["name"]] = entry
                registered.append(entry)
            return _json(registered)
        if parts[0] == "applications" and parts[-1] == "commands" and method == "GET":
            return _json(list(self.commands.values()))
        if parts[0] == "channels" and parts[-1] == "typing":
            return web.Response(status=204)
        if parts[0] == "channels" and parts[-1] == "messages" and method == "POST":
            return _json(self._message_from(body or {}, channel_id=parts[1]))
        if parts[0] == "channels" and parts[-1] == "threads" and method == "POST" and len(parts) == 5:
            name = (body or {}).get("name") or ""
            if not 1 <= len(name) <= 100:
                return _json({"message": "Invalid Form Body: name: 1 to 100 characters", "code": 50035}, status=400)
            thread = {"id": parts[3], "type": 11, "guild_id": self.guild_id, "parent_id": parts[1], "name": name,
                      "owner_id": self.app_id, "message_count": 0, "member_count": 1, "rate_limit_per_user": 0,
                      "thread_metadata": {"archived": False, "auto_archive_duration": 1440,
                                          "archive_timestamp": now_iso(), "locked": False}}
            self.threads[thread["id"]] = thread
            return _json(thread)
        if parts[0] == "interactions" and parts[-1] == "callback":
            kind = (body or {}).get("type")
            if kind == 8:  # autocomplete result
                return web.Response(status=204)
            data = (body or {}).get("data") or {}
            message = self._message_from(data) if kind in (4, 5) else None
            if kind == 7:
                state = self._state(path)
                message = self.messages.get(state.component_of) if state else None
            return _json({
                "interaction": {"id": parts[1], "type": 2, "response_message_id": message and message["id"],
                                "response_message_loading": kind == 5,
                                "response_message_ephemeral": bool(data.get("flags", 0) & 64)},
                "resource": {"type": kind, "message": message} if message else None})
        if parts[0] == "webhooks":
            return _json(self._message_from(body or {}, webhook=True))
        return _json({"message": "404: Not Found", "code": 0}, status=404)

    def _message_from(self, body: dict, channel_id: str | None = None, webhook: bool = False) -> dict:
        message = {
            "id": snowflake(), "channel_id": channel_id or self.channel_id, "author": self.bot_user,
            "content": body.get("content") or "", "timestamp": now_iso(), "edited_timestamp": None,
            "tts": False, "mention_everyone": False, "mentions": [], "mention_roles": [],
            "attachments": [], "embeds": body.get("embeds") or [], "pinned": False, "type": 0,
            "flags": body.get("flags", 0), "components": body.get("components") or [],
            **({"webhook_id": self.app_id, "application_id": self.app_id} if webhook else {}),
        }
        self.messages[message["id"]] = message
        return message

    def message_of(self, req: Recorded) -> dict:
        """The message a recorded request created (the bot's reply, an interaction's answer)."""
        body = req.json or {}
        data = body.get("data", body) if req.path.endswith("/callback") else body
        for message in reversed(self.messages.values()):
            if message["content"] == (data.get("content") or "") and message["embeds"] == (data.get("embeds") or []) \
                    and message["components"] == (data.get("components") or []):
                return message
        raise AssertionError("no message matches that request")

    # ------------------------------------------------------------------ gateway

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        if time.monotonic() < self.gateway_refused_until:
            self.gateway_refusals += 1
            return web.Response(status=503, text="gateway unavailable")
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                op = frame.get("op")
                if op == 1:
                    self.heartbeats += 1
                    await ws.send_str(json.dumps({"op": 11}))
                elif op == 2:
                    self.identifies.append(frame["d"])
                    await self._send_ready(ws, frame["d"])
                elif op == 6:
                    self.resumes.append(frame["d"])
                    self._seq += 1
                    await ws.send_str(json.dumps({"op": 0, "t": "RESUMED", "s": self._seq, "d": {}}))
        finally:
            self._sockets.remove(ws)
        return ws

    async def _send_ready(self, ws: web.WebSocketResponse, identify: dict) -> None:
        shard = identify.get("shard") or [0, 1]
        self._shard_of[id(ws)] = (shard[0], shard[1])
        holds = self._holds_guild(ws)
        self._seq += 1
        await ws.send_str(json.dumps({"op": 0, "t": "READY", "s": self._seq, "d": {
            "v": 10, "user": self.bot_user, "guilds": [{"id": self.guild_id, "unavailable": True}] if holds else [],
            "session_id": self.session_id, "resume_gateway_url": self.gateway_url, "shard": shard,
            "application": {"id": self.app_id, "flags": 0}, "private_channels": [],
            "relationships": [], "presences": [], "user_settings": {}, "geo_ordered_rtc_regions": [],
        }}))
        if holds:
            self._seq += 1
            await ws.send_str(json.dumps({"op": 0, "t": "GUILD_CREATE", "s": self._seq,
                                          "d": self.guild_payload()}))
            self.ready.set()
