"""Progress for long work (fine-tuning, the ONNX export, embedding), as lines a person reads:
"embedding: 300 of 1,200 texts (25%), about 40 s left". A line at most every few seconds, so a
log shows that the work moves and when it will end, without a line per item."""

from __future__ import annotations

import time
from collections.abc import Callable

Say = Callable[[str], None]


def duration(seconds: float) -> str:
    """"40 s", "3 min", "1 h 5 min": how long, as a person says it."""
    seconds = max(0, round(seconds))
    if seconds < 90:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


class Progress:
    """Counts work done of a known total and says so through ``say`` every ``every`` seconds (and
    when it ends), with an estimate of the time left from the pace so far."""

    def __init__(self, say: Say | None, what: str, total: int, unit: str = "", *, every: float = 5.0) -> None:
        self.say, self.what, self.total, self.unit, self.every = say, what, total, unit, every
        self.done = 0
        self.started = time.monotonic()
        self._last = self.started

    def line(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        head = f"{self.what}: {self.done:,} of {self.total:,}{unit}"
        if self.total and self.done >= self.total:
            return f"{head}, done in {duration(time.monotonic() - self.started)}"
        share = f" ({100 * self.done // self.total}%)" if self.total else ""
        elapsed = time.monotonic() - self.started
        left = f", about {duration(elapsed * (self.total - self.done) / self.done)} left" if self.done else ""
        return head + share + left

    def add(self, n: int = 1) -> None:
        self.set(self.done + n)

    def set(self, done: int) -> None:
        self.done = done
        now = time.monotonic()
        finished = self.total and done >= self.total
        if self.say is not None and (finished or now - self._last >= self.every):
            self._last = now
            self.say(self.line())


def ticker(report: Callable[[int, int, str], None] | None, total: int, what: str) -> Callable[[int], None]:
    """An encoder's callback (n more done) that tells ``report(done, total, what)`` how many of
    ``total`` are done (a build's progress: texts embedded, multilingual vectors)."""
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if report:
            report(done, total, what)

    return tick
