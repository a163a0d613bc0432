"""The emulator's CDN: files a user attaches to a slash command, as Discord serves them.

A user's upload becomes an attachment object (``id``, ``filename``, ``size``, ``url``,
``proxy_url``, ``content_type``, ``ephemeral``) that Discord puts in the interaction's
``resolved.attachments``, keyed by the id the option's value names (option type 11,
https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object-resolved-data-structure).
The file is downloaded from ``url``: a signed link on the CDN (``ephemeral-attachments/{application
id}/{attachment id}/{filename}?ex=&is=&hm=``), fetched without the bot's token. As on Discord, the
link works only as it was given: an attachment that does not exist, another file name, a changed
or missing signature, or an expired link is answered 404 (or 403 for a bad signature), and a
download is recorded so a test can see whether the bot fetched the file at all.
"""

from __future__ import annotations

import hashlib
import hmac
import mimetypes
import time

from aiohttp import web

from .rules import snowflake

CDN_PATH = "/cdn/ephemeral-attachments"
LINK_SECONDS = 24 * 3600  # how long a signed link works


class Cdn:
    """Uploads (what a user attaches) and their downloads."""

    _cdn_key = b"emulator-cdn-signing-key"

    def _cdn_init(self) -> None:
        self.attachments: dict[str, dict] = {}  # attachment id -> the object Discord sends
        self._files: dict[str, bytes] = {}  # attachment id -> its bytes
        self.downloads: list[tuple[str, int]] = []  # (path, status) of every request to the CDN
        self._expired: set[str] = set()  # attachment ids whose link no longer works

    def upload(self, filename: str, data: bytes, content_type: str | None = None) -> dict:
        """A file a user attaches to a command; pass its ``id`` as the value of an option of type 11."""
        attachment_id = snowflake()
        path = f"{CDN_PATH}/{self.app_id}/{attachment_id}/{filename}"  # type: ignore[attr-defined]
        expires = format(int(time.time()) + LINK_SECONDS, "x")
        query = f"ex={expires}&is={format(int(time.time()), 'x')}&hm={self._signature(path, expires)}&"
        base = f"http://127.0.0.1:{self.port}"  # type: ignore[attr-defined]
        guessed = content_type or mimetypes.guess_type(filename)[0]
        attachment = {"id": attachment_id, "filename": filename, "size": len(data),
                      "url": f"{base}{path}?{query}", "proxy_url": f"{base}{path}?{query}", "ephemeral": True}
        if guessed:  # Discord leaves content_type out when it cannot tell
            attachment["content_type"] = guessed + ("; charset=utf-8" if guessed.startswith("text/") else "")
        self.attachments[attachment_id] = attachment
        self._files[attachment_id] = data
        return attachment

    def resolved_attachments(self, ids: set[str]) -> dict[str, dict]:
        """``resolved.attachments`` for the option values ``ids``; only uploads can be sent."""
        unknown = ids - set(self.attachments)
        if unknown:
            raise AssertionError(f"Discord's client sends only uploaded files; not uploaded: {sorted(unknown)}")
        return {i: self.attachments[i] for i in ids}

    def _signature(self, path: str, expires: str) -> str:
        return hmac.new(self._cdn_key, f"{path}\0{expires}".encode(), hashlib.sha256).hexdigest()

    async def _cdn(self, request: web.Request) -> web.StreamResponse:
        status, body = self._cdn_answer(request)
        self.downloads.append((request.path, status))
        if status != 200:
            return web.Response(status=status, text="This content is no longer available." if status == 404
                                else "Forbidden")
        attachment = self.attachments[request.match_info["attachment"]]
        return web.Response(body=body, headers={"Content-Type": attachment.get("content_type",
                                                                               "application/octet-stream")})

    def _cdn_answer(self, request: web.Request) -> tuple[int, bytes]:
        attachment_id, filename = request.match_info["attachment"], request.match_info["filename"]
        attachment = self.attachments.get(attachment_id)
        if attachment is None or attachment["filename"] != filename \
                or request.match_info["app"] != self.app_id:  # type: ignore[attr-defined]
            return 404, b""
        expires, signature = request.query.get("ex", ""), request.query.get("hm", "")
        if not hmac.compare_digest(signature, self._signature(request.path, expires)):
            return 403, b""
        if int(expires or "0", 16) < time.time() or attachment_id in self._expired:
            return 404, b""
        return 200, self._files[attachment_id]

    def add_cdn_routes(self, app: web.Application) -> None:
        app.router.add_get(CDN_PATH + "/{app}/{attachment}/{filename}", self._cdn)

    def expire(self, attachment: dict) -> None:
        """Make the attachment's link fail as an expired one does (Discord: 404)."""
        self._expired.add(attachment["id"])
