"""The rules of Discord's API the bot relies on, as checks: message and embed limits, command
and component definitions, and the constants of interactions. The REST side (``rest``) applies them."""

from __future__ import annotations

import itertools
import json
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web


def snowflake() -> str:
    return str(next(SNOWFLAKES))


def json_response(data: Any, status: int = 200, headers: dict | None = None) -> web.Response:
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

NAME_RE = re.compile(r"^[-_\w]{1,32}$")
CHAT_INPUT, USER, MESSAGE = 1, 2, 3  # application command types


def command_errors(command: dict) -> list[str]:
    """What Discord refuses in a command it is asked to register. A slash command (type 1, the
    default): names (and their translations) of 1-32 lower-case letters, digits, - or _;
    descriptions (and theirs) of 1-100 characters; option names unique within a command in every
    language. A context-menu command (type 2, user; 3, message): see :func:`menu_errors`."""
    kind = command.get("type", CHAT_INPUT)
    if kind in (USER, MESSAGE):
        return menu_errors(command)
    if kind != CHAT_INPUT:
        return [f"{command.get('name', '?')}: type {kind!r} is not 1, 2 or 3"]
    errors = []

    def check(item: dict, where: str, options: list[dict]) -> None:
        names = [item.get("name", ""), *(item.get("name_localizations") or {}).values()]
        for name in names:
            if not NAME_RE.match(name) or name != name.lower():
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


def menu_errors(command: dict) -> list[str]:
    """A user or message command: what people see in the Apps menu, so its name (and each
    translation) is any 1-32 characters, capitals and spaces allowed; its description must be
    empty (Discord refuses one for these types) and it takes no options."""
    where, errors = command.get("name", "?"), []
    for name in [command.get("name", ""), *(command.get("name_localizations") or {}).values()]:
        if not 1 <= len(name) <= 32:
            errors.append(f"{where}: name {name!r} must be 1-32 characters")
    descriptions = [command.get("description") or "", *(command.get("description_localizations") or {}).values()]
    if any(descriptions):
        errors.append(f"{where}: description must be empty for a user or message command")
    if command.get("options"):
        errors.append(f"{where}: a user or message command takes no options")
    return errors


def bulk_errors(commands: list[dict]) -> list[str]:
    """A bulk registration: each command valid, names unique per type (a slash command "ask"
    and a message command "Ask" may coexist)."""
    errors = [e for command in commands for e in command_errors(command)]
    keys = [(c.get("type", CHAT_INPUT), c.get("name")) for c in commands]
    errors += [f"{name}: more than one command of type {kind} has this name"
               for kind, name in sorted({k for k in keys if keys.count(k) > 1}, key=str)]
    return errors


def flat_options(options: list[dict]) -> list[dict]:
    """Options with those of subcommands (and groups) in them."""
    out = []
    for option in options:
        out.append(option)
        out += flat_options(option.get("options") or [])
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

def upload_errors(body, sent: dict[str, str], known: set[str]) -> list[str]:
    """Discord's rule for a message with files: when the JSON lists ``attachments``, a new file is
    named by the ``n`` of its form field ``files[n]`` (discord.py sends ``{"id": n, "filename"}``),
    so each listed id is a file sent in this request or an attachment the message already has
    (an edit keeps it), and each file sent is listed. ``sent``: form field -> filename."""
    listed = body.get("attachments") if isinstance(body, dict) else None
    if listed is None:
        return []
    errors, named = [], set()
    for n, item in enumerate(listed):
        field = f"files[{item.get('id')}]"
        if field in sent:
            named.add(field)
        elif str(item.get("id")) not in known:
            errors.append(f"attachments.{n}: no file {field} was uploaded and no attachment has id {item.get('id')}")
    errors += [f"{field} ({sent[field]}): not listed in attachments" for field in sorted(set(sent) - named)]
    return errors


SNOWFLAKES = itertools.count(1_100_000_000_000_000_000)


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
    attachments: list[dict] = field(default_factory=list)  # the attachment objects the message got
    ephemeral: bool | None = None  # for an interaction's message: whether only its user sees it
