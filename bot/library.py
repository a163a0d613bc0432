"""Adding and removing documents from Discord (``/document``): an attachment downloaded from
Discord's CDN or a link, handed to ``embeddings.library_admin`` in a thread, then the index
rebuilt with the progress lines of ``/reindex`` while questions keep being answered."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import discord

from embeddings.errors import BuildFailed, BuildInProgress, EngineError, NotAdded, UnknownDocument
from embeddings.library_admin import Added, add_document, remove_document
from embeddings.library_admin.fetch import megabytes

from . import render, render_library
from .core import Answerer, Refusal, ReindexState

log = logging.getLogger(__name__)

Progress = Callable[[str], Awaitable[None]]


@dataclass(frozen=True)
class Given:
    """What an admin gives with ``/document add``: a file or a link (exactly one), and what is
    said about it (empty: as the document says)."""

    file: discord.Attachment | None = None
    url: str = ""
    title: str = ""
    date: str = ""
    kind: str = ""

    @property
    def name(self) -> str:
        return self.file.filename if self.file is not None else self.url


def is_web_link(text: str) -> bool:
    """An http(s) link: anything else given as ``url`` is refused before it can name a local file."""
    return text.strip().lower().startswith(("http://", "https://"))


def safe_filename(name: str) -> str:
    """The attachment's name without any folder part (the stored name is made safe later)."""
    return Path(name.replace("\\", "/")).name.strip() or "attachment"


class Librarian:
    """The one door for changing the library from Discord; every reply is a render.Reply."""

    def __init__(self, answerer: Answerer) -> None:
        self.answerer = answerer
        self.settings = answerer.settings.engine

    async def add(self, given: Given, started_by: str, show: Progress) -> render.Reply:
        """Add the file or link, then rebuild; the reply says what was added, or why not."""
        try:
            async with self._changing(started_by):
                await show(f"Reading {render.escape(render.clip(given.name, 200))}…")
                done = await self._add(given)
                log.info("/document add by %s: %s as %s", started_by, given.name, done.file)
                summary = await self._rebuild(started_by, show, f"Adding {done.title}", f"{done.title} was added")
            return render_library.document_added(done, summary)
        except (Refusal, EngineError) as exc:
            return self._refused(exc, given.name)

    async def remove(self, doc_id: str, started_by: str, show: Progress) -> render.Reply:
        """Remove the document with this id (or file name), then rebuild."""
        try:
            async with self._changing(started_by):
                try:
                    done = await asyncio.to_thread(remove_document, self.settings, doc_id)
                except UnknownDocument as exc:
                    raise Refusal(f"No document has the id “{render.clip(doc_id.strip(), 100)}”; "
                                  "pick one of the suggestions (or see `/sources`).") from exc
                log.info("/document remove by %s: %s", started_by, done.id)
                title = done.title or done.id
                summary = await self._rebuild(started_by, show, f"Removing {title}", f"{title} was removed")
            return render_library.document_removed(done, summary)
        except (Refusal, EngineError) as exc:
            return self._refused(exc, doc_id)

    def _refused(self, exc: Exception, name: str) -> render.Reply:
        """One private line: why the library was not changed (or the index not rebuilt)."""
        if isinstance(exc, NotAdded):
            exc = Refusal(not_added(name, exc))
        elif isinstance(exc, EngineError) and not isinstance(exc, BuildInProgress):
            exc = Refusal(str(exc))
        return self.answerer.error_reply(exc)

    async def suggest(self, text: str) -> list[tuple[str, str]]:
        return await self.answerer.suggest_documents(text)

    @contextlib.asynccontextmanager
    async def _changing(self, started_by: str):
        """One change of the library (or reindex) at a time: another is refused as busy (and
        told since when and by whom, as for a reindex)."""
        if self.answerer.reindexing:
            raise BuildInProgress("the library is being changed")
        self.answerer.library_changing = True
        self.answerer.reindex_state = ReindexState(time.time(), started_by)
        try:
            async with self.answerer.working():  # a stop waits for it
                yield
        finally:
            self.answerer.library_changing = False

    async def _add(self, given: Given) -> Added:
        meta = {"title": given.title or None, "date": given.date or None, "kind": given.kind or None}
        if given.file is None:
            if not is_web_link(given.url):
                raise Refusal(f"“{render.clip(given.url, 100)}” is not a web link: give an http:// or https:// link.")
            return await asyncio.to_thread(add_document, self.settings, given.url.strip(), **meta)
        with tempfile.TemporaryDirectory(prefix="document-") as folder:
            path = Path(folder) / safe_filename(given.file.filename)
            path.write_bytes(await self._download(given.file))
            return await asyncio.to_thread(add_document, self.settings, str(path), **meta)

    async def _download(self, file: discord.Attachment) -> bytes:
        """The attachment's bytes from Discord's CDN, its size checked first (and again after)."""
        limit = self.settings.max_document_bytes
        too_big = f"{file.filename} is {megabytes(file.size)}, over the {megabytes(limit)} limit (MAX_DOCUMENT_MB)."
        if file.size > limit:
            raise Refusal(f"Not added: {too_big}")
        try:
            data = await file.read()
        except discord.HTTPException as exc:
            log.warning("could not download attachment %s: %s %s", file.id, exc.status, exc.text)
            raise Refusal(f"Not added: I could not download {file.filename} from Discord "
                          f"(HTTP {exc.status}); please attach it again.") from exc
        if len(data) > limit:
            raise Refusal(f"Not added: {too_big}")
        return data

    async def _rebuild(self, started_by: str, show: Progress, doing: str, what: str):
        """The index rebuilt after a change; a failed build is said with what did change."""
        try:
            return await self.answerer.build(started_by, show, doing=render.escape(render.clip(doing, 120)))
        except BuildInProgress as exc:
            raise Refusal(f"{what}, and a reindex already running picks it up.") from exc
        except (BuildFailed, EngineError) as exc:
            log.warning("rebuild after a library change failed: %s", exc)
            raise Refusal(f"{what}, but the index was not rebuilt ({exc}); the previous index is still "
                          "serving. Run `/reindex`.") from exc


def not_added(name: str, exc: NotAdded) -> str:
    """NotAdded's reason as one sentence naming what the admin gave (never the temporary path
    an attachment was read from): "Not added: report.pdf is damaged …"."""
    return f"Not added: {render.clip(name, 200)} {exc.problem.rstrip('.')}."
