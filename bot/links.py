"""Documents added by their link, kept current while the bot runs: every half hour, the links
older than REFRESH_HOURS are fetched again (embeddings.library_admin.refresh_links: conditional
requests; a page that fails keeps its last good text, marked stale), and when one changed the
index is rebuilt, incrementally, while questions keep being answered."""

from __future__ import annotations

import asyncio
import logging

from embeddings.errors import BuildInProgress, EngineError

log = logging.getLogger(__name__)

# How long a refresh that changed a document waits for a running build (a /reindex, an added
# document) to end before it rebuilds itself.
BUILD_WAIT_SECONDS = 600.0


async def refresh_links(engine, *, poll: float = 5.0) -> list:
    """Fetch again the links that are due and rebuild if one changed; returns what each link did
    (``Refreshed``). Never raises for a link: a failure is its ``stale`` outcome."""
    from embeddings.library_admin import refresh_links as refresh

    if engine.settings.refresh_hours <= 0:
        return []
    outcomes = await asyncio.to_thread(refresh, engine.settings)
    changed = [o for o in outcomes if o.outcome == "updated"]
    for o in outcomes:
        if o.outcome == "stale":
            log.warning("link %s kept its last good text: %s", o.url, o.reason)
    if not changed:
        return outcomes
    waited = 0.0
    while True:
        try:
            summary = await asyncio.to_thread(engine.rebuild)
            log.info("%d changed link(s) re-indexed: %s", len(changed), summary)
            return outcomes
        except BuildInProgress:  # a build that began before the change may have missed it
            if waited >= BUILD_WAIT_SECONDS:
                log.warning("a build kept running; %d changed link(s) wait for the next one", len(changed))
                return outcomes
            await asyncio.sleep(poll)
            waited += poll
        except EngineError as exc:  # the old index keeps serving
            log.warning("could not re-index the changed links: %s", exc)
            return outcomes


def link_note(link: dict | None, escape=str) -> str:
    """What /sources says of a document added by its link: " · link, fetched 2026-12-05 10:37",
    and " · **stale** (why)" when the last refresh failed; "" for any other document."""
    if not link:
        return ""
    fetched = str(link.get("fetched") or "")[:16].replace("T", " ") or "never"
    stale = link.get("stale")
    why = f" ({escape(str(stale.get('reason', ''))[:80])})" if isinstance(stale, dict) else ""
    return f" · link, fetched {fetched}" + (f" · **stale**{why}" if stale else "")
