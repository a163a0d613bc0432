"""What the bot records (answers and votes) waits here until the database takes it.

Writing is never on the reader's path: an answer is queued and sent at once, with its buttons; a
vote is queued and acknowledged with the new counts as soon as it is written (usually within
milliseconds). When the database is away (a SQLite file locked by another process, PostgreSQL
down), the writer retries with growing pauses while the queue holds what comes meanwhile, in
order, up to ``limit`` items; past that a new item is refused, and the one who clicked is told
so. A graceful stop writes what is left within its time limit, and puts anything the database
still does not take in a file under ``spill_dir``, which the next start writes first. Writing an
item twice changes nothing (answers are inserted once, votes are upserted), so a batch cut off
mid-write and written again is harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import os
import time
import uuid
from collections import deque
from itertools import islice
from pathlib import Path

from embeddings.files import write_text

from .store import ShownPassage, Store, StoredAnswer, Vote

log = logging.getLogger(__name__)

PENDING_LIMIT = 10_000  # items held while the database is away (about 10 MB at most)
BATCH = 200  # items written in one transaction
PAUSES = (0.2, 0.5, 1.0, 2.0, 5.0)  # seconds between attempts while the database fails, then every 5 s


@dataclasses.dataclass
class _Item:
    what: StoredAnswer | Vote
    written: asyncio.Future | None = None  # a vote's counts (or None: its answer is not stored)


class Outbox:
    def __init__(self, store: Store, *, limit: int = PENDING_LIMIT, spill_dir: Path | None = None) -> None:
        self.store = store
        self.limit = limit
        self.spill_dir = spill_dir
        self._items: deque[_Item] = deque()
        self._task: asyncio.Task | None = None  # the writer: runs while items wait, then ends
        self.failing_since: float | None = None  # when the database stopped taking writes
        self.refused = 0  # items refused because the queue was full
        self._claimed: list[Path] = []  # spill files taken at the start: removed once their items are written
        self._from_spill = 0  # of the items at the head of the queue, how many came from them

    def __len__(self) -> int:
        return len(self._items)

    def start(self) -> None:
        """Take the items a previous stop left in the spill folder, and start writing."""
        for item in self._claim_spilled():
            self._items.append(_Item(item))
        self._from_spill = len(self._items)
        self._write_soon()

    def _write_soon(self) -> None:
        if self._items and (self._task is None or self._task.done()):
            self._task = asyncio.get_running_loop().create_task(self._run(), name="outbox-writer")

    # ------------------------------------------------------------------ putting

    def _put(self, what: StoredAnswer | Vote, *, wait: bool) -> _Item | None:
        if len(self._items) >= self.limit:
            self.refused += 1
            log.warning("the bot database is away and %d records wait: refused one more", len(self._items))
            return None
        item = _Item(what, asyncio.get_running_loop().create_future() if wait else None)
        self._items.append(item)
        self._write_soon()
        return item

    def record(self, answer: StoredAnswer) -> bool:
        """Queue an answer's record; False if the queue is full (then it gets no buttons)."""
        return self._put(answer, wait=False) is not None

    def vote(self, answer_id: str, user_id: int | str, vote: str) -> asyncio.Future | None:
        """Queue a vote; a future of the answer's counts once written (None inside it: the answer is
        no longer stored), or None if the queue is full."""
        item = self._put(self.store.make_vote(answer_id, user_id, vote), wait=True)
        return None if item is None else item.written

    async def answer(self, answer_id: str) -> StoredAnswer | None:
        """A recorded answer, still waiting here or in the database (StoreError if it cannot be read)."""
        for item in self._items:
            if isinstance(item.what, StoredAnswer) and item.what.id == answer_id:
                return item.what
        return await self.store.answer(answer_id)

    # ------------------------------------------------------------------ writing

    async def _run(self) -> None:
        failures = 0
        while self._items:
            batch = list(islice(self._items, BATCH))
            try:
                results = await self.store.write([item.what for item in batch])
            except Exception as exc:  # StoreError, or a driver's surprise: nothing is dropped, it is tried again
                if self.failing_since is None:
                    self.failing_since = time.time()
                    log.warning("the bot database does not take writes (%s); %d waiting, retrying", exc, len(self))
                await asyncio.sleep(PAUSES[min(failures, len(PAUSES) - 1)])
                failures += 1
                continue
            if self.failing_since is not None:
                log.info("the bot database takes writes again after %.0f s; writing %d waiting",
                         time.time() - self.failing_since, len(self))
                self.failing_since = None
            failures = 0
            for item, result in zip(batch, results):
                self._items.popleft()
                if item.written is not None and not item.written.done():
                    item.written.set_result(result)
            self._from_spill = max(0, self._from_spill - len(batch))
            if not self._from_spill:
                self._forget_claimed()

    async def close(self, timeout: float) -> int:
        """Write what waits, for up to ``timeout`` seconds; spill the rest to a file. How many spilled."""
        deadline = time.monotonic() + timeout
        self._write_soon()
        while self._items and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        left = [item.what for item in self._items]
        if left:
            self._spill(left)
        self._forget_claimed()  # their items are written, or in the new spill file
        return len(left)

    # ------------------------------------------------------------------ the spill folder

    def _spill(self, left: list[StoredAnswer | Vote]) -> None:
        if self.spill_dir is None:
            log.error("stopping with %d records the database did not take, and nowhere to keep them", len(left))
            return
        self.spill_dir.mkdir(parents=True, exist_ok=True)
        path = self.spill_dir / f"pending-{os.getpid()}-{uuid.uuid4().hex[:8]}.jsonl"
        write_text(path, "".join(json.dumps(_to_json(item)) + "\n" for item in left))
        log.warning("stopping with %d records the database did not take; kept in %s for the next start",
                    len(left), path)

    def _claim_spilled(self) -> list[StoredAnswer | Vote]:
        """The items of every spill file: each file is taken by renaming it (so that of processes
        starting together, one takes it) and removed once its items are written; a file taken by
        a process that died before that is taken again."""
        if self.spill_dir is None or not self.spill_dir.is_dir():
            return []
        items: list[StoredAnswer | Vote] = []
        for path in sorted(self.spill_dir.glob("*.jsonl")):
            owner = path.name.split("-")[1] if path.name.startswith("claimed-") else None
            if owner is not None and _alive(int(owner)):
                continue  # another running process is writing it
            claimed = path.with_name(f"claimed-{os.getpid()}-{path.name.split('-', 2)[-1] if owner else path.name}")
            try:
                os.rename(path, claimed)
            except FileNotFoundError:
                continue  # another process took it
            items += [_from_json(json.loads(line)) for line in claimed.read_text().splitlines() if line.strip()]
            self._claimed.append(claimed)
        if items:
            log.info("writing %d records kept at the last stop", len(items))
        return items

    def _forget_claimed(self) -> None:
        for path in self._claimed:
            path.unlink(missing_ok=True)
        self._claimed.clear()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _to_json(item: StoredAnswer | Vote) -> dict:
    return {"kind": "vote" if isinstance(item, Vote) else "answer", **dataclasses.asdict(item)}


def _from_json(data: dict) -> StoredAnswer | Vote:
    kind = data.pop("kind")
    if kind == "vote":
        return Vote(**data)
    data["passages"] = [ShownPassage(**p) for p in data["passages"]]
    return StoredAnswer(**data)
