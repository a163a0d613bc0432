"""The emulator's HTTP API (REST): routes, recording, and the interaction rules."""

from __future__ import annotations

import json
import time
from typing import Any

from aiohttp import web

from .rules import (
    ATTACHMENT_LIMIT,
    CHAT_INPUT,
    EPHEMERAL,
    RESPONSE_WINDOW,
    InteractionState,
    Recorded,
    bulk_errors,
    form_errors,
    json_response,
    now_iso,
    snowflake,
    upload_errors,
)


class Rest:
    """Discord's HTTP API as the bot meets it: each call recorded, failures and rate limits injected
    by tests, and the rules of interactions (one first response within 3 s, followups after it,
    ephemeral messages, message and component limits) enforced with Discord's status and error
    codes."""

    async def _record(self, req: Recorded) -> None:
        async with self._changed:
            self.requests.append(req)
            self._changed.notify_all()

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = request.path[len(self.API):]
        body: Any = None
        files: list[tuple[str, bytes]] = []
        fields: dict[str, str] = {}  # form field (files[n]) -> filename
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
                        fields[part.name or f"files[{len(files) - 1}]"] = part.filename
        if sum(len(data) for _, data in files) > ATTACHMENT_LIMIT:
            await self._record(Recorded(request.method, path, dict(request.query), body, status=413, files=files))
            return json_response({"message": "Request entity too large", "code": 40005}, status=413)
        if path.startswith(("/interactions/", "/webhooks/")):
            # Interaction endpoints are authorised by the interaction token in the path.
            authorised = any(t in self._interaction_tokens for t in path.split("/"))
        else:
            authorised = request.headers.get("Authorization") == f"Bot {self.token}"
        if not authorised:
            await self._record(Recorded(request.method, path, dict(request.query), body, status=401))
            return json_response({"message": "401: Unauthorized", "code": 0}, status=401)
        for i, (method, part, count, retry) in enumerate(self._rate_limits):
            if method == request.method and part in path and count > 0:
                self._rate_limits[i] = (method, part, count - 1, retry)
                await self._record(Recorded(request.method, path, dict(request.query), body, status=429))
                return json_response(
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
                return json_response({"message": message, "code": code}, status=status)
        if any(t in self._expired_tokens for t in path.split("/")):
            await self._record(Recorded(request.method, path, dict(request.query), body, status=404))
            return json_response({"message": "Unknown interaction", "code": 10062}, status=404)
        sent = (body or {}).get("data") if path.endswith("/callback") else body  # the message, if one is sent
        if errors := upload_errors(sent, fields, self._attachment_ids()):
            await self._record(Recorded(request.method, path, dict(request.query), body, status=400, files=files))
            return json_response({"message": "Invalid Form Body: " + "; ".join(errors), "code": 50035}, status=400)
        refused = self._interaction_rules(request.method, path, body)
        if refused is not None:
            status, code, message = refused
            await self._record(Recorded(request.method, path, dict(request.query), body, status=status))
            return json_response({"message": message, "code": code}, status=status)
        recorded = Recorded(request.method, path, dict(request.query), body, files=files,
                            attachments=self._attached(sent, fields, files))
        self._show(recorded)
        await self._record(recorded)
        return await self._answer(request.method, path, body, recorded.attachments)

    def _attachment_ids(self) -> set[str]:
        return {a["id"] for m in self.messages.values() for a in m.get("attachments") or []}

    def _attached(self, message, fields: dict[str, str], files: list[tuple[str, bytes]]) -> list[dict]:
        """The attachment objects of the files a message was sent with (a name given in its
        ``attachments`` list replaces the upload's, as on Discord); the CDN serves them."""
        listed = {f"files[{a.get('id')}]": a for a in (message or {}).get("attachments") or []} \
            if isinstance(message, dict) else {}
        attached = [self.upload(listed.get(field, {}).get("filename") or name, data)  # type: ignore[attr-defined]
                    for field, (name, data) in zip(fields, files, strict=False)]
        return [{k: v for k, v in a.items() if k != "ephemeral"} for a in attached]

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
                state.shown.append(shown_message(body["data"], req))
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
            shown = shown_message(body, req)
            if state.answered and state.shown and original:
                state.shown[0] = shown
            else:
                state.shown.insert(0, shown)
            state.answered = True
            return
        if req.method == "POST":
            req.ephemeral = bool(int(body.get("flags") or 0) & EPHEMERAL)
            state.shown.append(shown_message(body, req))

    async def _answer(self, method: str, path: str, body: Any, attachments: list[dict]) -> web.StreamResponse:
        parts = path.strip("/").split("/")
        if path == "/users/@me":
            return json_response(self.bot_user)
        if path == "/oauth2/applications/@me":
            return json_response({
                "id": self.app_id, "name": "StatementBot", "icon": None, "description": "",
                "bot_public": True, "bot_require_code_grant": False, "verify_key": "0" * 64,
                "flags": 0, "owner": self.owner, "team": None, "summary": "",
                "bot": self.bot_user})
        if path == "/gateway/bot":
            return json_response({"url": self.gateway_url, "shards": 1, "session_start_limit": {
                "total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}})
        if parts[0] == "applications" and parts[-1] == "commands" and method == "PUT":
            if errors := bulk_errors(body or []):
                return json_response({"message": "Invalid Form Body: " + "; ".join(errors), "code": 50035}, status=400)
            self.command_puts += 1
            return json_response([self._register(command) for command in body or []])
        if parts[0] == "applications" and parts[-1] == "commands" and method == "GET":
            return json_response([*self.commands.values(), *self.context_menus.values()])
        if parts[0] == "channels" and parts[-1] == "typing":
            return web.Response(status=204)
        if parts[0] == "channels" and parts[-1] == "messages" and method == "POST":
            return json_response(self._message_from(body or {}, attachments, channel_id=parts[1]))
        if parts[0] == "channels" and parts[-1] == "threads" and method == "POST" and len(parts) == 5:
            name = (body or {}).get("name") or ""
            if not 1 <= len(name) <= 100:
                return json_response({"message": "Invalid Form Body: name: 1 to 100 characters", "code": 50035},
                                     status=400)
            thread = {"id": parts[3], "type": 11, "guild_id": self.guild_id, "parent_id": parts[1], "name": name,
                      "owner_id": self.app_id, "message_count": 0, "member_count": 1, "rate_limit_per_user": 0,
                      "thread_metadata": {"archived": False, "auto_archive_duration": 1440,
                                          "archive_timestamp": now_iso(), "locked": False}}
            self.threads[thread["id"]] = thread
            return json_response(thread)
        if parts[0] == "interactions" and parts[-1] == "callback":
            kind = (body or {}).get("type")
            if kind == 8:  # autocomplete result
                return web.Response(status=204)
            data = (body or {}).get("data") or {}
            message = self._message_from(data, attachments) if kind in (4, 5) else None
            if kind == 7:
                state = self._state(path)
                message = self.messages.get(state.component_of) if state else None
            return json_response({
                "interaction": {"id": parts[1], "type": 2, "response_message_id": message and message["id"],
                                "response_message_loading": kind == 5,
                                "response_message_ephemeral": bool(data.get("flags", 0) & 64)},
                "resource": {"type": kind, "message": message} if message else None})
        if parts[0] == "webhooks":
            return json_response(self._message_from(body or {}, attachments, webhook=True))
        return json_response({"message": "404: Not Found", "code": 0}, status=404)

    def _register(self, command: dict) -> dict:
        """A command as Discord registers it: slash commands in ``commands`` by name, user and
        message commands in ``context_menus`` by (type, name); a context menu's description is ""."""
        entry = {**command, "id": snowflake(), "application_id": self.app_id, "version": snowflake()}
        kind = command.get("type", CHAT_INPUT)
        if kind == CHAT_INPUT:
            self.commands[command["name"]] = entry
        else:
            entry["description"] = ""
            self.context_menus[(kind, command["name"])] = entry
        return entry

    def _message_from(self, body: dict, attachments: list[dict], channel_id: str | None = None,
                      webhook: bool = False) -> dict:
        message = {
            "id": snowflake(), "channel_id": channel_id or self.channel_id, "author": self.bot_user,
            "content": body.get("content") or "", "timestamp": now_iso(), "edited_timestamp": None,
            "tts": False, "mention_everyone": False, "mentions": [], "mention_roles": [],
            "attachments": attachments, "embeds": body.get("embeds") or [], "pinned": False, "type": 0,
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


def shown_message(body: dict, req: Recorded) -> dict:
    """A message as its users see it: whether only the user who asked does, its text, embeds and
    the files attached (filename and size)."""
    return {"ephemeral": req.ephemeral, "content": body.get("content") or "", "embeds": body.get("embeds") or [],
            "attachments": [{"filename": a["filename"], "size": a["size"]} for a in req.attachments]}
