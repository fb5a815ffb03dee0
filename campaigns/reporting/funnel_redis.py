"""Journey counts kept in Redis, so every worker on every machine counts into one place (with `REDIS_URL`).

A counted step is one round trip to Redis: a small script adds one to the field "minute|step|product"
of one hash (`<prefix>pending`) and, for a product page, first adds one to the minute's count of the
visitor's address (a keyed hash of it that expires after two minutes; over `MAX_PAGES_PER_MINUTE`
the page is not counted). The first step after a flush also sets a mark that lives
`FUNNEL_FLUSH_SECONDS`; whoever sets it queues `flush_journey_counts` for the job worker
(`core/jobs.py`), and the scheduled job (`flask reporting flush-counts`, deploy/jobs/journey-counts)
writes whatever is left every minute when no shopper comes by.

A flush renames the pending hash to a batch of its own (atomically: steps counted meanwhile go into a
new pending hash), writes the batch to `funnel_counts` with `funnel.write_counts` and only then
deletes it. A batch left by a flush that failed (the database down, the process killed) is written by
the next one, so counts are kept until written; one flusher at a time holds a lock. When Redis cannot
be reached the step is counted by the worker's in-memory counter instead, which writes to the
database itself: counting never breaks shopping.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime

from flask import Flask, current_app

from campaigns.reporting.funnel import MAX_PAGES_PER_MINUTE, JourneyCounter, journey_counter, write_counts
from campaigns.reporting.models import FunnelStep
from marketplace.core import clock, jobs

log = logging.getLogger(__name__)
ADDRESS_SECONDS = 120  # an address's count of product pages outlives its minute by one
LOCK_SECONDS = 300
TIMEOUT = 0.5  # seconds: a request never waits long on Redis

# KEYS: pending hash, flush mark, the address's minute key ("" when not a product page).
# ARGV: flush seconds, the page limit, the fields to add one to. Returns -1 over the limit, 1 when this
# step set the flush mark (its caller queues a flush), else 0.
COUNT_SCRIPT = """
if KEYS[3] ~= '' then
  local seen = redis.call('INCR', KEYS[3])
  if seen == 1 then redis.call('EXPIRE', KEYS[3], ADDRESS_SECONDS) end
  if seen > tonumber(ARGV[2]) then return -1 end
end
for i = 3, #ARGV do redis.call('HINCRBY', KEYS[1], ARGV[i], 1) end
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', tonumber(ARGV[1])) then return 1 end
return 0
""".replace("ADDRESS_SECONDS", str(ADDRESS_SECONDS))

# KEYS: pending hash, the new batch's key, the set of batches. Moves pending to the batch (1), or 0.
TAKE_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('RENAME', KEYS[1], KEYS[2])
redis.call('SADD', KEYS[3], KEYS[2])
return 1
"""

Pending = dict[tuple[datetime, str, int | str], int]


def _field(minute: datetime, step: str, key: int | str) -> str:
    return f"{minute:%Y-%m-%dT%H:%M}|{step}|{'i' if isinstance(key, int) else 's'}:{key}"


def _parse(field: str) -> tuple[datetime, str, int | str]:
    minute, step, key = field.split("|", 2)
    kind, value = key.split(":", 1)
    return datetime.strptime(minute, "%Y-%m-%dT%H:%M").replace(tzinfo=UTC), step, int(value) if kind == "i" else value


class RedisJourneyCounter:
    """Counts in Redis shared by every process with the same `REDIS_URL` and prefix; the in-memory
    `fallback` counts while Redis cannot be reached."""

    def __init__(self, app: Flask, url: str, prefix: str, flush_seconds: float, fallback: JourneyCounter) -> None:
        import redis

        self.app, self.prefix, self.fallback = app, prefix, fallback
        self.flush_seconds = max(1, int(flush_seconds or 10))
        self.client = redis.Redis.from_url(url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT)
        self.count_script = self.client.register_script(COUNT_SCRIPT)
        self.take_script = self.client.register_script(TAKE_SCRIPT)
        # Shared by every process of the site, so an address is one visitor across machines; the keys
        # expire after two minutes and say nothing without the secret.
        self.address_key = hmac.new(str(app.secret_key).encode(), b"journey-address", hashlib.sha256).digest()

    @property
    def pending_key(self) -> str:
        return self.prefix + "pending"

    @property
    def batches_key(self) -> str:
        return self.prefix + "batches"

    def add(self, step: str, keys: Iterable[int | str], at: datetime | None = None) -> None:
        """Count `step` once for each key (a product id, or a product page's slug)."""
        self._count(step, list(keys), at, None)

    def add_page(self, slug: str, address: str, at: datetime | None = None) -> bool:
        """Count a product page seen from `address`, unless that address is over the minute's limit;
        whether it was counted."""
        return self._count(FunnelStep.PRODUCT_VIEW.value, [slug], at, address)

    def _count(self, step: str, keys: list[int | str], at: datetime | None, address: str | None) -> bool:
        if not keys:
            return False
        minute = _minute(at)
        address_key = ""
        if address is not None:
            digest = hmac.new(self.address_key, address.encode(), hashlib.sha256).hexdigest()[:24]
            address_key = f"{self.prefix}address:{minute:%H%M}:{digest}"
        try:
            answer = self.count_script(
                keys=[self.pending_key, self.prefix + "flush-mark", address_key],
                args=[self.flush_seconds, MAX_PAGES_PER_MINUTE, *(_field(minute, step, key) for key in keys)])
        except Exception:  # noqa: BLE001 - Redis away: the worker counts in memory, shopping goes on
            log.warning("journey counts go to the in-memory counter: Redis cannot be reached", exc_info=True)
            if address is not None and self.fallback.too_fast(address, at):
                return False
            self.fallback.add(step, keys, at)
            return True
        if answer == 1:
            self._queue_flush()
        return answer != -1

    def _queue_flush(self) -> None:
        try:
            jobs.enqueue(self.app, flush_journey_counts)
        except Exception:  # noqa: BLE001 - the scheduled job writes them within the minute instead
            log.warning("journey-count flush not queued; the scheduled job will write the counts", exc_info=True)

    def pending(self) -> Pending:
        """The counts waiting in Redis (pending and taken batches), added up; for checks and tests."""
        counts: Pending = defaultdict(int)
        for key in [self.pending_key, *(b.decode() for b in self.client.smembers(self.batches_key))]:
            for field, value in self.client.hgetall(key).items():
                counts[_parse(field.decode())] += int(value)
        return dict(counts)

    def flush(self) -> int:
        """Write every count waiting in Redis to the database (and the fallback's, if any); how many rows
        were written. Raises on a database error, leaving the counts in Redis for the next flush."""
        written = self.fallback.flush()
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
        """The counts waiting in Redis, removed from it (bench and tests start from nothing)."""
        counts = self.pending()
        pipe = self.client.pipeline()
        pipe.delete(self.pending_key, *(b.decode() for b in self.client.smembers(self.batches_key)))
        pipe.delete(self.batches_key)
        pipe.execute()
        self.fallback.take()
        return counts

    def clear_addresses(self) -> None:
        """Forget every address's minute count (bench and tests)."""
        for key in self.client.scan_iter(self.prefix + "address:*"):
            self.client.delete(key)


def _minute(at: datetime | None) -> datetime:
    return clock.to_utc(at or clock.now()).replace(second=0, microsecond=0)


@jobs.job
def flush_journey_counts() -> int:
    """Write the journey counts waiting in Redis to the database (the job worker's and the scheduled job's
    work); how many rows were written."""
    return journey_counter(current_app).flush()
