"""Journey counts gathered in Redis, so every worker on every machine counts into one place (with `REDIS_URL`).

A request costs what it costs without Redis: a lock and one added to a dictionary of this worker (the
`buffer`, an in-memory `JourneyCounter`, with its robot and address checks). Every
`FUNNEL_PUSH_SECONDS` (a second; sooner when `FUNNEL_FLUSH_EVENTS` have gathered, and at exit) a thread
sends the worker's counts to Redis in one pipeline: HINCRBY on the field "minute|step|product" of one
hash (`<prefix>pending`) per counted key, and a mark that lives `FUNNEL_FLUSH_SECONDS`. When the
pipeline set the mark, the worker queues `flush_journey_counts` for the job worker (`core/jobs.py`); the
scheduled job (`flask reporting flush-counts`, deploy/jobs/journey-counts) writes whatever is left every
minute when no shopper comes by.

A flush renames the pending hash to a batch of its own (atomically: counts sent meanwhile go into a new
pending hash), writes the batch to `funnel_counts` with `funnel.write_counts` and only then deletes it.
A batch left by a flush that failed (the database down, the process killed) is written by the next one,
so counts are kept until written; one flusher at a time holds a lock. When Redis cannot be reached the
worker writes its counts to the database itself: counting never breaks shopping.
"""
from __future__ import annotations

import logging
import secrets
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime

from flask import Flask, current_app

from campaigns.reporting.funnel import JourneyCounter, Pending, journey_counter, write_counts
from marketplace.core import jobs

log = logging.getLogger(__name__)
LOCK_SECONDS = 300
TIMEOUT = 0.5  # seconds: a worker never waits long on Redis

# KEYS: pending hash, the new batch's key, the set of batches. Moves pending to the batch (1), or 0.
TAKE_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('RENAME', KEYS[1], KEYS[2])
redis.call('SADD', KEYS[3], KEYS[2])
return 1
"""


def _field(minute: datetime, step: str, key: int | str) -> str:
    return f"{minute:%Y-%m-%dT%H:%M}|{step}|{'i' if isinstance(key, int) else 's'}:{key}"


def _parse(field: str) -> tuple[datetime, str, int | str]:
    minute, step, key = field.split("|", 2)
    kind, value = key.split(":", 1)
    return datetime.strptime(minute, "%Y-%m-%dT%H:%M").replace(tzinfo=UTC), step, int(value) if kind == "i" else value


class RedisJourneyCounter:
    """This worker's `buffer`, sent to the Redis hash shared by every process with the same `REDIS_URL` and
    prefix, and written from there to the database by one flusher at a time."""

    def __init__(self, app: Flask, url: str, prefix: str, push_seconds: float, push_events: int,
                 flush_seconds: float) -> None:
        import redis

        self.app, self.prefix = app, prefix
        self.flush_seconds = max(1, int(flush_seconds or 10))
        self.client = redis.Redis.from_url(url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT)
        self.take_script = self.client.register_script(TAKE_SCRIPT)
        self.buffer = JourneyCounter(app, push_seconds, push_events, writer=self.push)

    @property
    def pending_key(self) -> str:
        return self.prefix + "pending"

    @property
    def batches_key(self) -> str:
        return self.prefix + "batches"

    def add(self, step: str, keys: Iterable[int | str], at: datetime | None = None) -> None:
        """Count `step` once for each key (a product id, or a product page's slug), in this worker's buffer."""
        self.buffer.add(step, keys, at)

    def add_page(self, slug: str, address: str, at: datetime | None = None) -> bool:
        """Count a product page seen from `address`, unless that address is over the minute's limit in this
        worker; whether it was counted."""
        return self.buffer.add_page(slug, address, at)

    def push(self, counts: Pending) -> int:
        """Send the buffer's counts to Redis in one pipeline (queueing a flush when this set the mark); when
        Redis cannot be reached, write them to the database here. How many fields or rows that was."""
        pipe = self.client.pipeline(transaction=False)
        for (minute, step, key), count in counts.items():
            pipe.hincrby(self.pending_key, _field(minute, step, key), count)
        pipe.set(self.prefix + "flush-mark", b"1", nx=True, ex=self.flush_seconds)
        try:
            marked = pipe.execute()[-1]
        except Exception:  # noqa: BLE001 - Redis away: straight to the database, shopping goes on
            log.warning("journey counts written by this worker: Redis cannot be reached", exc_info=True)
            with self.app.app_context():
                return write_counts(counts)
        if marked:
            try:
                jobs.enqueue(self.app, flush_journey_counts)
            except Exception:  # noqa: BLE001 - the scheduled job writes them within the minute instead
                log.warning("journey-count flush not queued; the scheduled job will write them", exc_info=True)
        return len(counts)

    def pending(self) -> Pending:
        """The counts waiting in Redis (pending and taken batches), added up; for checks and tests."""
        counts: Pending = defaultdict(int)
        for key in [self.pending_key, *(b.decode() for b in self.client.smembers(self.batches_key))]:
            for field, value in self.client.hgetall(key).items():
                counts[_parse(field.decode())] += int(value)
        return dict(counts)

    def flush(self) -> int:
        """Send this worker's buffer, then write every count waiting in Redis to the database; how many rows
        were written. Raises on a database error, leaving the counts in Redis for the next flush."""
        self.buffer.flush()
        written = 0
        lock = self.client.lock(self.prefix + "flush-lock", timeout=LOCK_SECONDS, blocking=False)
        if not lock.acquire():
            return written  # another flusher is at it
        try:
            self.take_script(keys=[self.pending_key, f"{self.prefix}batch:{secrets.token_hex(8)}",
                                   self.batches_key])
            for batch in sorted(b.decode() for b in self.client.smembers(self.batches_key)):
                counts: Pending = defaultdict(int)
                for field, value in self.client.hgetall(batch).items():
                    counts[_parse(field.decode())] += int(value)
                if counts:
                    with self.app.app_context():
                        written += write_counts(dict(counts))
                pipe = self.client.pipeline()
                pipe.delete(batch)
                pipe.srem(self.batches_key, batch)
                pipe.execute()
        finally:
            try:
                lock.release()
            except Exception:  # noqa: BLE001 - it expired meanwhile; nothing to give back
                log.info("journey-count flush lock had expired before the flush ended")
        return written

    def take(self) -> Pending:
        """The counts waiting in this worker and in Redis, removed (bench and tests start from nothing)."""
        counts = defaultdict(int, self.pending())
        for key, count in self.buffer.take().items():
            counts[key] += count
        pipe = self.client.pipeline()
        pipe.delete(self.pending_key, *(b.decode() for b in self.client.smembers(self.batches_key)))
        pipe.delete(self.batches_key)
        pipe.execute()
        return dict(counts)


def shared_counter(app: Flask) -> RedisJourneyCounter | None:
    """The Redis counter `app` counts into when `FUNNEL_COUNTER` is "redis" and `REDIS_URL` is set, else None."""
    if app.config.get("FUNNEL_COUNTER") != "redis" or not app.config.get("REDIS_URL"):
        return None
    return RedisJourneyCounter(app, app.config["REDIS_URL"], app.config.get("FUNNEL_REDIS_PREFIX", "srm:funnel:"),
                               float(app.config.get("FUNNEL_PUSH_SECONDS", 1)),
                               int(app.config.get("FUNNEL_FLUSH_EVENTS", 1000)),
                               float(app.config.get("FUNNEL_FLUSH_SECONDS", 10)))


@jobs.job
def flush_journey_counts() -> int:
    """Write the journey counts waiting in Redis to the database (the job worker's and the scheduled job's
    work); how many rows were written."""
    return journey_counter(current_app).flush()
