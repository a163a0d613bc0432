"""What the bot records (answers and votes) waits here until the database takes it.

Writing is never on the reader's path: an answer is queued and sent at once, with its buttons; a
vote is queued and acknowledged with the new counts as soon as it is written (usually within
milliseconds). When the database is away (a SQLite file locked by another process, PostgreSQL
down), the writer retries with growing pauses while the queue holds what comes meanwhile, in
order, up to ``limit`` items; past that a new item is refused, and the one who clicked is told
so. An item the database itself refuses while it takes others (a value too long for its column)
is set aside with an error in the log, so that it cannot hold up the rest. A graceful stop
writes what is left within its time limit, and puts anything the database still does not take
in a file under ``spill_dir``, which the next start writes first. Writing an item twice changes
nothing (answers are inserted once, votes are upserted unless newer), so a batch cut off
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

from .records import ShownPassage, StoredAnswer, Vote
from .store import Store, StoreError

log = logging.getLogger(__name__)

PENDING_LIMIT = 10_000  # items held while the database is away (about 10 MB at most)
BATCH = 200  # items written in one transaction
PAUSES = (0.2, 0.5, 1.0, 2.0, 5.0)  # seconds between attempts while the database fails, then every 5 s
_CLAIMED_HERE: set[Path] = set()  # spill files this process took (its PID may be a dead one's again)


class Refused(Exception):
    """The database refused this item while it took others (the log says why)."""


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
        self._stop_by: float | None = None  # at a stop: the writer's last moment to try (monotonic)
        self._stopping = asyncio.Event()  # cuts a pause between attempts short
        self.closed = False
        self.failing_since: float | None = None  # when the database stopped taking writes
        self.refused = 0  # items refused because the queue was full (or the outbox closed)
        self.set_aside = 0  # items the database refused
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
        if self._items and not self.closed and (self._task is None or self._task.done()):
            self._task = asyncio.get_running_loop().create_task(self._run(), name="outbox-writer")

    # ------------------------------------------------------------------ putting

    def _put(self, what: StoredAnswer | Vote, *, wait: bool) -> _Item | None:
        if len(self._items) >= self.limit or self.closed:
            self.refused += 1
            log.warning("%s: refused a record", "stopped" if self.closed else
                        f"the bot database is away and {len(self._items)} records wait")
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
        no longer stored; Refused: the database refused it), or None if the queue is full."""
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
                if _refusal(exc) and await self._refused_alone(batch):
                    continue
                if self.failing_since is None:
                    self.failing_since = time.time()
                    log.warning("the bot database does not take writes (%s); %d waiting, retrying", exc, len(self))
                failures += 1
                await self._pause(failures)
                if self._stop_by is not None and time.monotonic() >= self._stop_by:
                    return  # stopping, and its time is up: close() keeps the rest on disk
                continue
            if self.failing_since is not None:
                log.info("the bot database takes writes again after %.0f s; writing %d waiting",
                         time.time() - self.failing_since, len(self))
                self.failing_since = None
            failures = 0
            self._done(batch, results)

    async def _pause(self, failures: int) -> None:
        """Between attempts: growing pauses, cut short by a stop, which then tries every PAUSES[0]."""
        if self._stop_by is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), PAUSES[min(failures - 1, len(PAUSES) - 1)])
        if self._stop_by is not None:
            await asyncio.sleep(max(0.0, min(PAUSES[0], self._stop_by - time.monotonic())))

    def _done(self, batch: list[_Item], results: list) -> None:
        for item, result in zip(batch, results):
            self._items.popleft()
            if item.written is not None and not item.written.done():
                item.written.set_result(result)
        self._from_spill = max(0, self._from_spill - len(batch))
        if not self._from_spill:
            self._forget_claimed()

    async def _refused_alone(self, batch: list[_Item]) -> bool:
        """When the database refuses a batch for what is in it, the batch's items are written one
        by one and the one it refuses is set aside; True if one was (or all went in one by one).
        False: it stopped taking writes meanwhile."""
        for item in batch:
            try:
                self._done([item], await self.store.write([item.what]))
            except StoreError as exc:
                if not _refusal(exc):
                    return False
                self._items.popleft()
                self._from_spill = max(0, self._from_spill - 1)
                self.set_aside += 1
                log.error("the bot database refused a %s (%s), set aside: %s", type(item.what).__name__, exc,
                          json.dumps(to_json(item.what))[:500])
                if item.written is not None and not item.written.done():
                    item.written.set_exception(Refused(str(exc)))
                return True
        return True  # all written one by one: the batch's failure was passing

    async def close(self, timeout: float) -> int:
        """Write what waits, for up to ``timeout`` seconds; spill the rest to a file. How many spilled.
        Nothing is taken after this (an answer made later gets no buttons)."""
        self._stop_by = time.monotonic() + timeout
        self._write_soon()
        self.closed = True
        self._stopping.set()
        if self._task is not None and not self._task.done():
            # The writer ends when all is written or its time is up, after the attempt under way (a
            # write waits at most the busy timeout): a write is not cut off, which can leave a
            # connection waiting on its thread. Cancelled only if it overruns that by far.
            done, _ = await asyncio.wait({self._task}, timeout=timeout + 30)
            if not done:
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
        write_text(path, "".join(json.dumps(to_json(item)) + "\n" for item in left))
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
            if path in _CLAIMED_HERE or _claimed_by_another(path):
                continue
            claimed = path.with_name(f"claimed-{os.getpid()}-{path.name.split('-', 2)[-1]}"
                                     if path.name.startswith("claimed-") else f"claimed-{os.getpid()}-{path.name}")
            try:
                os.rename(path, claimed)
            except FileNotFoundError:
                continue  # another process took it
            _CLAIMED_HERE.add(claimed)
            items += read_spilled(claimed)
            self._claimed.append(claimed)
        if items:
            log.info("writing %d records kept at the last stop", len(items))
        return items

    def _forget_claimed(self) -> None:
        for path in self._claimed:
            path.unlink(missing_ok=True)
            _CLAIMED_HERE.discard(path)
        self._claimed.clear()


def spill_folder(index_dir: Path) -> Path:
    """Where a stop keeps what the database did not take (read and emptied by the next start)."""
    return index_dir / "pending-records"


def erase_spilled(spill_dir: Path, before: float | None = None) -> int:
    """``feedback delete``: the kept records (and votes) asked (cast) before ``before``, or all,
    erased from the spill files too. How many."""
    erased = 0
    for path in sorted(spill_dir.glob("*.jsonl")) if spill_dir.is_dir() else []:
        items = read_spilled(path)
        kept = [i for i in items if before is not None and _moment(i) >= before]
        erased += len(items) - len(kept)
        if kept:
            write_text(path, "".join(json.dumps(to_json(i)) + "\n" for i in kept))
        else:
            path.unlink(missing_ok=True)
    return erased


def _refusal(exc: BaseException | None) -> bool:
    """Whether the database refused what was written (a value too long, a constraint: a data or
    integrity error, SQLSTATE classes 22 and 23), as opposed to not being there (locked,
    unreachable, restarting). The drivers' errors are found under SQLAlchemy's (``orig``)."""
    seen = 0
    while exc is not None and seen < 10:
        names = {kind.__name__ for kind in type(exc).__mro__}
        if names & {"DataError", "IntegrityError"} or str(getattr(exc, "sqlstate", "") or "")[:2] in {"22", "23"}:
            return True
        exc = exc.__cause__ or getattr(exc, "orig", None)
        seen += 1
    return False


def _moment(item: StoredAnswer | Vote) -> float:
    return item.at if isinstance(item, Vote) else item.created_at


def _claimed_by_another(path: Path) -> bool:
    """A file another running process took (not this one, whose PID a dead one may have had)."""
    if not path.name.startswith("claimed-"):
        return False
    owner = int(path.name.split("-")[1])
    if owner == os.getpid():
        return False  # not in _CLAIMED_HERE: taken by an earlier process that had this PID
    try:
        os.kill(owner, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_spilled(path: Path) -> list[StoredAnswer | Vote]:
    """A spill file's items; a line that cannot be read is logged and skipped, never fatal."""
    items = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            items.append(_from_json(json.loads(line)))
        except (ValueError, TypeError, KeyError) as exc:
            log.error("a kept record in %s (line %d) cannot be read (%s), skipped: %s", path, number, exc,
                      line[:300])
    return items


def to_json(item: StoredAnswer | Vote) -> dict:
    return {"kind": "vote" if isinstance(item, Vote) else "answer", **dataclasses.asdict(item)}


def _from_json(data: dict) -> StoredAnswer | Vote:
    kind = data.pop("kind")
    if kind == "vote":
        return Vote(**data)
    data["passages"] = [ShownPassage(**p) for p in data["passages"]]
    return StoredAnswer(**data)
