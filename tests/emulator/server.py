"""A local emulator of Discord's HTTP API and gateway, for end-to-end tests of the real
discord.py client. It listens on 127.0.0.1 only, speaks gateway v10 JSON (text frames, so the
client's decompressor is not involved) and records every REST call the bot makes.

What it implements is what the bot uses: login (users/@me, applications/@me), the gateway
handshake (HELLO, IDENTIFY, READY, GUILD_CREATE, heartbeats, RESUME), sending messages, typing,
interaction callbacks, follow-ups and edits, and bulk command registration (slash commands and
message commands). Tests inject gateway events (MESSAGE_CREATE, INTERACTION_CREATE for a slash
command, a click or a message command) and 429 rate limits.

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
* a thread's name is 1-100 characters;
* commands: a slash command's names are lower case without spaces, its descriptions 1-100
  characters; a user or message command's name (and its translations) is any 1-32 characters,
  capitals and spaces allowed, with an empty description and no options; names are unique per
  command type (50035);
* files: when the JSON lists ``attachments``, each new file's id is the ``n`` of a ``files[n]``
  sent with it and each file sent is listed (50035); ``shown`` gives each file's name and size.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from aiohttp import web

from .cdn import Cdn
from .gateway import Gateway
from .rest import Rest
from .rules import MESSAGE, InteractionState, Recorded, flat_options, now_iso, snowflake


class DiscordEmulator(Rest, Gateway, Cdn):
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
        self.commands: dict[str, dict] = {}  # name -> registered slash command
        self.context_menus: dict[tuple[int, str], dict] = {}  # (type: 2 user, 3 message; name) -> command
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
        self._cdn_init()

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
        self.add_cdn_routes(app)
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


    def channel_message(self, content: str, *, author: dict | None = None, mentions: list[dict] | None = None,
                        embeds: list[dict] | None = None, attachments: list[str | dict] | None = None,
                        extra: dict | None = None) -> dict:
        """A message in the channel, as Discord sends it, without sending it to the bot (someone's
        message the bot was not mentioned in; pass it to :meth:`context_menu`). ``attachments``:
        file names (uploaded as small files) or attachment objects."""
        author = author or self.make_user("asker")
        files = [self.upload(a, b"\x89PNG\r\n\x1a\n" if a.endswith(".png") else b"file")
                 if isinstance(a, str) else a for a in attachments or []]
        return {
            "id": snowflake(), "channel_id": self.channel_id, "guild_id": self.guild_id,
            "author": author, "member": {k: v for k, v in self.member(author).items() if k != "user"},
            "content": content, "timestamp": now_iso(), "edited_timestamp": None, "tts": False,
            "mention_everyone": False, "mentions": mentions or [], "mention_roles": [],
            "attachments": [{k: v for k, v in f.items() if k != "ephemeral"} for f in files],
            "embeds": embeds or [], "pinned": False, "type": 0, "flags": 0, "components": [],
            **(extra or {}),
        }

    async def send_message(self, content: str, *, author: dict | None = None, mentions_bot: bool = True,
                           extra: dict | None = None) -> dict:
        message = self.channel_message(content, author=author, mentions=[self.bot_user] if mentions_bot else [],
                                       extra=extra)
        await self.dispatch("MESSAGE_CREATE", message)
        return message

    async def interact(self, name: str, options: list[dict] | None = None, *, user: dict | None = None,
                       permissions: int = 0, roles: list[str] | None = None, autocomplete: bool = False,
                       guild_id: str | None = None, expired: bool = False) -> dict:
        """Dispatch INTERACTION_CREATE for a registered slash command (or its autocomplete)."""
        command = self.commands.get(name)
        if command is None:
            raise AssertionError(f"command /{name} is not registered: {sorted(self.commands)}")
        check_options(name, command.get("options", []), options or [], autocomplete)
        user = user or self.make_user("member")
        channels = {o["value"] for o in flat_options(options or []) if o.get("type") == 7}
        resolved = {"channels": {cid: {"id": cid, "type": 0, "name": "general" if cid == self.channel_id else
                                       f"channel-{cid[-4:]}", "guild_id": self.guild_id, "parent_id": None,
                                       "permissions": str((1 << 50) - 1)} for cid in channels}}
        files = {o["value"] for o in flat_options(options or []) if o.get("type") == 11}
        if files:  # an attachment option's value is the id of an upload (self.upload)
            resolved["attachments"] = self.resolved_attachments(files)
        data = {"id": command["id"], "name": name, "type": 1, "options": options or [],
                "guild_id": self.guild_id, **({"resolved": resolved} if channels or files else {})}
        return await self._interaction(4 if autocomplete else 2, data, self.member(user, roles, permissions),
                                       channel_id=self.channel_id, guild_id=guild_id, expired=expired)

    async def context_menu(self, name: str, message: dict, *, user: dict | None = None,
                           expired: bool = False) -> dict:
        """Dispatch INTERACTION_CREATE for a message command (Apps in a message's menu) run on
        ``message``: ``data`` holds the command's ``name`` and ``id``, ``target_id`` and the
        whole message in ``resolved.messages``, its content included (an app gets it here
        without the message-content intent)."""
        command = self.context_menus.get((MESSAGE, name))
        if command is None:
            raise AssertionError(f"no message command {name!r} is registered: {sorted(self.context_menus)}")
        data = {"id": command["id"], "name": name, "type": MESSAGE, "target_id": message["id"],
                "guild_id": self.guild_id, "resolved": {"messages": {message["id"]: message}}}
        return await self._interaction(2, data, self.member(user or self.make_user("member")),
                                       channel_id=message["channel_id"], expired=expired)

    async def click(self, message: dict, custom_id: str, *, user: dict | None = None, expired: bool = False) -> dict:
        """Dispatch INTERACTION_CREATE for a click on a button of a message the bot sent."""
        message = self.messages.get(message["id"], message)
        ids = [c.get("custom_id") for row in message.get("components") or [] for c in row.get("components") or []]
        if custom_id not in ids:
            raise AssertionError(f"the message has no button {custom_id!r}: {ids}")
        return await self._interaction(3, {"custom_id": custom_id, "component_type": 2},
                                       self.member(user or self.make_user("clicker")), channel_id=message["channel_id"],
                                       component_of=message["id"], expired=expired, message=message)

    async def _interaction(self, kind: int, data: dict, member: dict, *, channel_id: str, guild_id: str | None = None,
                           component_of: str | None = None, expired: bool = False, **extra) -> dict:
        """Dispatch INTERACTION_CREATE of ``kind`` (2 a command, 3 a click, 4 autocomplete) with
        ``data``, remembering its token and when it came (the 3-second rule)."""
        payload = {
            "id": snowflake(), "application_id": self.app_id, "type": kind, "token": "itoken-" + snowflake(),
            "version": 1, "guild_id": guild_id or self.guild_id, "channel_id": channel_id,
            "channel": {"id": channel_id, "type": 0, "guild_id": self.guild_id, "name": "general",
                        "position": 0, "permission_overwrites": [], "nsfw": False, "parent_id": None},
            "member": member, **extra, "data": data,
            "locale": "en-US", "guild_locale": "en-US", "app_permissions": str((1 << 50) - 1),
            "entitlements": [], "authorizing_integration_owners": {"0": self.guild_id}, "context": 0,
            "attachment_size_limit": 8 * 1024 * 1024,
        }
        self._interaction_tokens.add(payload["token"])
        self.interactions[payload["token"]] = InteractionState(time.monotonic(), component_of=component_of)
        if expired:  # Discord's answer when the 3-second window has passed
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


    # ------------------------------------------------------------------ REST


    token = "test-token"


    # ------------------------------------------------------------------ gateway




def check_options(name: str, specs: list[dict], options: list[dict], autocomplete: bool) -> None:
    """Discord's client sends only options the command has, within their min_length and
    max_length (a subcommand's options checked against its own)."""
    for option in options:
        spec = next((o for o in specs if o["name"] == option["name"]), None)
        value = option.get("value")
        if spec is None:
            raise AssertionError(f"/{name} has no option {option['name']!r}")
        if "type" in option and spec.get("type") != option["type"]:
            raise AssertionError(f"/{name} {option['name']}: type {option.get('type')}, registered {spec.get('type')}")
        if option.get("options"):
            check_options(f"{name} {option['name']}", spec.get("options", []), option["options"], autocomplete)
        if isinstance(value, str) and not autocomplete and len(value) > spec.get("max_length", 6000):
            raise AssertionError(f"Discord would not send /{name} {option['name']}: longer than "
                                 f"{spec.get('max_length', 6000)} characters")
        if isinstance(value, str) and not autocomplete and len(value) < spec.get("min_length", 0):
            raise AssertionError(f"Discord would not send /{name} {option['name']}: shorter than "
                                 f"{spec['min_length']} characters")
