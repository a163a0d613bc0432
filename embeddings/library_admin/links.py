"""Keeping documents added by their link current: each one older than REFRESH_HOURS is fetched
again with a conditional request. Not modified (or the same bytes): only ``fetched`` moves on.
Changed: the file is replaced once the new one reads, so the next build embeds only its new text.
Gone, failing, timing out or no longer readable: the last good text stays, marked ``stale`` with
the reason and the time, and the next refresh tries again."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from embeddings import files
from embeddings.config import EngineSettings
from embeddings.corpus.documents import iter_document_files, read_sidecar, sidecar_of
from embeddings.errors import DocumentError, NotAdded
from embeddings.library_admin.adding import link_state, now_iso
from embeddings.library_admin.fetch import URL_SUFFIXES, Fetched, FetchFailed, FetchRules, fetch
from embeddings.library_admin.storage import check_admission, current_library, library_lock, read_candidate

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Refreshed:
    """What refreshing one link did: ``outcome`` is "unchanged", "updated" or "stale" (``reason`` says why)."""

    file: str
    url: str
    outcome: str
    reason: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def link_fields(data_dir: Path, name: str) -> dict:
    """For a document added by its link, ``url``, ``fetched`` and ``stale`` (None, or the reason
    and time of the last failed refresh) as its sidecar says now; {} for any other document."""
    try:
        meta = read_sidecar(data_dir / name, name) if name else {}
    except DocumentError:
        return {}
    if not meta.get("url"):
        return {}
    return {"url": meta["url"], "fetched": meta.get("fetched", ""), "stale": meta.get("stale") or None}


def linked_documents(data_dir: Path) -> list[tuple[Path, dict]]:
    """The document files of ``data_dir`` added by their link, with their sidecars."""
    out = []
    for path in iter_document_files(data_dir):
        try:
            meta = read_sidecar(path, path.name)
        except DocumentError:
            continue
        if isinstance(meta.get("url"), str) and meta["url"]:
            out.append((path, meta))
    return out


def due(meta: dict, hours: float, now: datetime) -> bool:
    """Whether a link fetched when its sidecar says is older than ``hours`` (or never was fetched)."""
    try:
        fetched = datetime.fromisoformat(str(meta.get("fetched", "")))
    except ValueError:
        return True
    if fetched.tzinfo is None:
        fetched = fetched.replace(tzinfo=UTC)
    return now - fetched >= timedelta(hours=hours)


def refresh_links(settings: EngineSettings, *, force: bool = False) -> list[Refreshed]:
    """Fetch again every document added by its link whose ``fetched`` is older than
    REFRESH_HOURS (every one, with ``force``; none when REFRESH_HOURS is 0 and not ``force``).
    The caller builds the index if one was "updated"."""
    if settings.refresh_hours <= 0 and not force:
        return []
    now = datetime.now(UTC)
    rules = FetchRules.of(settings)
    out = []
    for path, meta in linked_documents(settings.data_dir):
        if force or due(meta, settings.refresh_hours, now):
            out.append(refresh_one(settings, path, meta, rules))
    return out


def refresh_one(settings: EngineSettings, path: Path, meta: dict, rules: FetchRules) -> Refreshed:
    """Fetch one link again and keep the library's file as the outcome says."""
    url = meta["url"]
    try:
        got = fetch(url, rules, etag=str(meta.get("etag") or ""), last_modified=str(meta.get("last_modified") or ""))
    except FetchFailed as exc:
        return _stale(settings, path, meta, str(exc))
    fresh = {**{k: v for k, v in meta.items() if k != "stale"},
             **link_state(url, got.etag or meta.get("etag", ""), got.last_modified or meta.get("last_modified", ""))}
    with library_lock(settings):
        if not path.exists():
            return Refreshed(path.name, url, "stale", "was removed meanwhile")
        if got.not_modified or got.body == path.read_bytes():
            files.write_json(sidecar_of(path), fresh)
            return Refreshed(path.name, url, "unchanged")
        problem = _unusable(settings, path, got, fresh)
        if problem:
            return _stale(settings, path, meta, problem, locked=True)
        files.write_with(path, lambda tmp: tmp.write_bytes(got.body))
        files.write_json(sidecar_of(path), fresh)
    log.info("%s changed: %s replaced", url, path.name)
    return Refreshed(path.name, url, "updated")


def _unusable(settings: EngineSettings, path: Path, got: Fetched, meta: dict) -> str:
    """Why the new version of a link cannot replace the file (it reads no longer, is now another
    format, or repeats another document); "" if it can."""
    if URL_SUFFIXES.get(path.suffix.lower()) != got.suffix:
        return f"now serves a {got.suffix} file, not {path.suffix.lower()}"
    try:
        doc, passages = read_candidate(got.body, path.name, meta, settings.max_document_bytes)
        check_admission(current_library(settings), doc, passages, url_of(meta), replacing=path.name)
    except DocumentError as exc:
        return f"no longer reads: {exc.problem}"
    except NotAdded as exc:
        return exc.problem
    return ""


def url_of(meta: dict) -> str:
    return str(meta.get("url", ""))


def _stale(settings: EngineSettings, path: Path, meta: dict, reason: str, *, locked: bool = False) -> Refreshed:
    """Keep the last good text and mark it stale, with the reason and the time."""
    log.warning("%s (%s) is stale: %s", url_of(meta), path.name, reason)
    marked = {**meta, "stale": {"reason": reason, "at": now_iso()}}
    if locked:
        files.write_json(sidecar_of(path), marked)
    else:
        with library_lock(settings):
            if path.exists():
                files.write_json(sidecar_of(path), marked)
    return Refreshed(path.name, url_of(meta), "stale", reason)
