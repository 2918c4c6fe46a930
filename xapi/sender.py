"""Delivering the outbox to the LRS: batches, retries with exponential backoff, a dead-letter list, nothing lost and
nothing stored twice.

A round claims the oldest due statements, drops the invalid ones to the dead-letter list (xapi.validation) and
posts the rest as one JSON array:

* stored (200/204): delivered. An LRS stores a statement id once, so a batch posted again after a lost reply (the
  LRS stored it, the answer never came) is delivered, not duplicated;
* content refused (400/409/413/422): the batch is split in halves and each half sent again, down to the one
  statement the LRS refuses, which goes to the dead-letter list with the LRS's words; the others are delivered;
* unreachable, timed out, 408/429/5xx: every statement of the batch is due again after a backoff that doubles
  with its failures (lrs.backoff_min_s up to lrs.backoff_max_s) and the round stops;
* 401/403/404/405 (credentials, permissions, a wrong endpoint): the same, since the statements are not at fault.

A statement that keeps failing with 5xx while others get through would hold back the batch it is in, so once the
oldest due statement has failed `ISOLATE_AFTER` times it is sent alone, first: if it fails again only it waits.
"""
from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass
from typing import Callable, Protocol, Sequence

from .client import REJECTED, STORED, UNAVAILABLE, Answer
from .settings import LrsSettings
from .validation import problems

log = logging.getLogger(__name__)

ISOLATE_AFTER = 3


class Outbox(Protocol):
    """What the sender needs of the outbox (store.Outbox)."""

    def claim(self, limit: int, lease_s: float, *, now: float | None = None) -> list: ...
    def mark_delivered(self, rows, *, now: float | None = None) -> None: ...
    def mark_dead(self, failures: dict[int, str]) -> None: ...
    def retry_later(self, rows, error: str, delay: Callable[[int], float], *, now: float | None = None) -> None: ...
    def release(self, rows) -> None: ...
    def due_now(self) -> int: ...


class Poster(Protocol):
    def post(self, statements: list[dict]) -> Answer: ...


def backoff(failures: int, low: float, high: float, jitter: Callable[[], float] = random.random) -> float:
    """Seconds to wait after `failures` failures in a row: low, 2·low, 4·low … up to high, less up to a quarter at
    random so that senders which failed together do not retry together."""
    delay = min(high, low * 2 ** max(0, failures - 1))
    return delay * (1 - 0.25 * jitter())


@dataclass
class SendReport:
    delivered: int = 0
    dead: int = 0
    retried: int = 0  # statements whose try failed; they are due again after their backoff
    requests: int = 0
    seconds: float = 0.0
    error: str = ""  # why the last failed request failed ('' when none failed)

    @property
    def stalled(self) -> bool:
        """A request failed and nothing got through: the LRS is down or refusing the tutor."""
        return bool(self.error) and not (self.delivered or self.dead)

    def add(self, other: "SendReport") -> None:
        self.delivered += other.delivered
        self.dead += other.dead
        self.retried += other.retried
        self.requests += other.requests
        self.error = other.error or self.error


class Sender:
    """Sends the outbox in rounds; safe to run beside other senders on the same database (claims keep them apart)."""

    def __init__(self, outbox: Outbox, client: Poster, settings: LrsSettings) -> None:
        self.outbox = outbox
        self.client = client
        self.settings = settings

    @property
    def lease_s(self) -> float:
        # Long enough for a request to time out and the rows to be marked, short enough that a dead sender's claim
        # does not keep its statements waiting long.
        return 2 * self.settings.timeout_s + 30

    def _delay(self, failures: int) -> float:
        return backoff(failures, self.settings.backoff_min_s, self.settings.backoff_max_s)

    def send_round(self) -> tuple[SendReport, int]:
        """One batch: (what happened, how many statements were claimed)."""
        report = SendReport()
        rows = self.outbox.claim(self.settings.batch_size, self.lease_s)
        if not rows:
            return report, 0
        invalid = {r.seq: "invalid xAPI statement: " + "; ".join(found) for r in rows if (found := problems(r.statement))}
        if invalid:
            self.outbox.mark_dead(invalid)
            report.dead += len(invalid)
            log.warning("%d learning records failed xAPI validation and went to the dead-letter list", len(invalid))
        valid = [r for r in rows if r.seq not in invalid]
        if valid and valid[0].attempts >= ISOLATE_AFTER and len(valid) > 1:
            answer = self._deliver(valid[:1], report)
            if answer is not None and answer.status is None:  # unreachable: the rest would fail the same way
                self.outbox.release(valid[1:])
                return report, len(rows)
            valid = valid[1:]
        if valid:
            self._deliver(valid, report)
        return report, len(rows)

    def _deliver(self, rows: Sequence, report: SendReport) -> Answer | None:
        """Post `rows`; returns the failing answer when the LRS was unavailable, else None."""
        answer = self.client.post([r.statement for r in rows])
        report.requests += 1
        if answer.kind == STORED:
            self.outbox.mark_delivered(rows)
            report.delivered += len(rows)
            return None
        if answer.kind == REJECTED:
            if len(rows) == 1:
                self.outbox.mark_dead({rows[0].seq: f"the LRS refused it (HTTP {answer.status}): {answer.detail}"})
                report.dead += 1
                log.warning("the LRS refused a learning record (HTTP %s); it is on the dead-letter list", answer.status)
                return None
            middle = len(rows) // 2
            failed = self._deliver(rows[:middle], report)
            if failed is not None:
                self.outbox.release(rows[middle:])
                return failed
            return self._deliver(rows[middle:], report)
        why = f"HTTP {answer.status}: {answer.detail}" if answer.status else answer.detail
        why = ("the LRS is unavailable: " if answer.kind == UNAVAILABLE else "the LRS refused the tutor: ") + why
        self.outbox.retry_later(rows, why, self._delay)
        report.retried += len(rows)
        report.error = why
        log.info("%d learning records not delivered (%s); retrying with backoff", len(rows),
                 f"HTTP {answer.status}" if answer.status else "no answer")
        return answer

    def flush(self, max_seconds: float | None = None) -> SendReport:
        """Rounds until nothing is due, a round gets nothing through, or `max_seconds` pass."""
        started = time.monotonic()
        total = SendReport()
        while True:
            report, claimed = self.send_round()
            total.add(report)
            if not claimed or report.stalled or (max_seconds is not None and time.monotonic() - started >= max_seconds):
                break
        total.seconds = time.monotonic() - started
        return total


class SenderThread:
    """The sender in the background of a long-running process: flushes every `lrs.poll_s`, and after a failed
    flush waits the backoff (doubling while failures go on) before trying again."""

    def __init__(self, sender: Sender, settings: LrsSettings) -> None:
        self.sender = sender
        self.settings = settings
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lrs-sender", daemon=True)
        self.failures = 0

    def start(self) -> "SenderThread":
        self._thread.start()
        return self

    def _run(self) -> None:
        wait = 0.0
        while not self._stop.wait(wait):
            try:
                report = self.sender.flush(max_seconds=60)
            except Exception as exc:  # a store error: keep the thread alive and try again later
                log.error("sending learning records failed: %s", exc)
                report = SendReport(error=str(exc))
            if report.delivered or report.dead:
                log.info("learning records: %d delivered, %d dead-lettered in %d requests", report.delivered,
                         report.dead, report.requests)
            wait = self._after(report)

    def _after(self, report: SendReport) -> float:
        """How long to wait before the next flush. The first failure is logged as a warning (the LRS is down or
        refuses the tutor), the recovery too; when the LRS is back, what waited for it is due at once."""
        if report.stalled:
            self.failures += 1
            if self.failures == 1:
                log.warning("learning records wait in the outbox: %s", report.error)
            return backoff(self.failures, self.settings.backoff_min_s, self.settings.backoff_max_s)
        if self.failures:
            log.warning("the LRS takes learning records again after %d failed tries", self.failures)
            self.failures = 0
            if self.sender.outbox.due_now():
                return 0.0
        return self.settings.poll_s

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the round in flight (its claims are kept or expire, nothing is lost)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
