"""Counting the shopper's journey — product pages seen, items added to carts, checkouts started — at next
to no cost to the request.

Each worker keeps its counts in memory, per (minute, step, product), and a background thread writes
them every `FUNNEL_FLUSH_SECONDS` (sooner when `FUNNEL_FLUSH_EVENTS` have gathered, and at exit) as
one upsert that adds to the per-minute rows of `funnel_counts`. A request only takes a lock and adds
one to a dictionary entry; product pages are counted after the response is made, so cached pages
count too, by their slug (turned into product ids when written). Each batch is added to the per-minute
rows and to the per-hour rows of `funnel_hours` in one transaction. With `REDIS_URL` the batches go to
Redis instead, shared by every worker on every machine, and the job worker writes them
(`funnel_redis.py`).

Not counted: robots (a user agent naming itself a bot, crawler, script or headless browser, or none
at all), addresses asking for more than `MAX_PAGES_PER_MINUTE` product pages in a minute (the rest of
that minute), vendors' and staff's own browsing, and HEAD requests. Nothing about the visitor is
stored: the rate check keeps, for the current minute only and in memory, a keyed hash of the address.
"""
from __future__ import annotations

import atexit
import hashlib
import hmac
import logging
import re
import secrets
import threading
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Protocol

from flask import Flask, Response, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from campaigns.reporting.models import FunnelCount, FunnelHour, FunnelStep
from marketplace.accounts.models import Role
from marketplace.catalog.models import Product
from marketplace.core import clock
from marketplace.core.funnel import register_funnel_counter
from marketplace.extensions import db

log = logging.getLogger(__name__)
ROBOT = re.compile(r"bot|crawl|spider|slurp|scrap|fetch|scan|monitor|preview|headless|phantom|lighthouse|"
                   r"python|curl|wget|httpie|http-client|httpclient|java/|go-http|okhttp|libwww|axios|node-fetch|"
                   r"postman|insomnia", re.I)
MAX_PAGES_PER_MINUTE = 30
Pending = dict[tuple[datetime, str, int | str], int]  # (minute, step, product id or slug) -> count
PRODUCT_PAGE = "catalog.product"
WRITE_BATCH = 500


def is_robot(user_agent: str) -> bool:
    """Whether a user agent says it is a program rather than a person's browser (or says nothing)."""
    return not user_agent.strip() or ROBOT.search(user_agent) is not None


def _minute(at: datetime) -> datetime:
    return clock.to_utc(at).replace(second=0, microsecond=0)


class SharedCounter(Protocol):
    """A counter every worker counts into (`funnel_redis.RedisJourneyCounter`): each worker gathers in its
    `buffer` and sends on; `flush` writes what was gathered to the database."""

    buffer: JourneyCounter

    def add(self, step: str, keys: Iterable[int | str], at: datetime | None = None) -> None: ...

    def add_page(self, slug: str, address: str, at: datetime | None = None) -> bool: ...

    def flush(self) -> int: ...

    def take(self) -> Pending: ...


class JourneyCounter:
    """One worker's counts waiting to be written; thread-safe. Keys are (minute, step, product id or slug)."""

    def __init__(self, app: Flask, flush_seconds: float, flush_events: int,
                 writer: Callable[[Pending], int] | None = None) -> None:
        self.app = app
        self.writer = writer  # where a batch goes: the database (write_counts) unless told
        self.flush_seconds, self.flush_events = flush_seconds, max(1, flush_events)
        self.pending: dict[tuple[datetime, str, int | str], int] = defaultdict(int)
        self.events = 0
        self.lock = threading.Lock()
        self.write_lock = threading.Lock()  # one batch written at a time, in the order taken
        self.wake = threading.Event()
        self.thread: threading.Thread | None = None
        self.address_minute: datetime | None = None
        self.pages_by_address: dict[bytes, int] = defaultdict(int)
        self.address_key = secrets.token_bytes(16)  # per process: the hashes mean nothing elsewhere

    def add(self, step: str, keys: Iterable[int | str], at: datetime | None = None) -> None:
        """Count `step` once for each key (a product id, or a product page's slug)."""
        minute = _minute(at or clock.now())
        with self.lock:
            for key in keys:
                self.pending[(minute, step, key)] += 1
                self.events += 1
            full = self.events >= self.flush_events
        if full:
            self._flush_soon()

    def too_fast(self, address: str, at: datetime | None = None) -> bool:
        """Count a product page for `address` and say whether it is over the minute's limit."""
        minute = _minute(at or clock.now())
        digest = hmac.new(self.address_key, address.encode(), hashlib.sha256).digest()[:12]
        with self.lock:
            if minute != self.address_minute:
                self.address_minute = minute
                self.pages_by_address.clear()
            self.pages_by_address[digest] += 1
            return self.pages_by_address[digest] > MAX_PAGES_PER_MINUTE

    def add_page(self, slug: str, address: str, at: datetime | None = None) -> bool:
        """Count a product page seen from `address`, unless that address is over the minute's limit;
        whether it was counted."""
        if self.too_fast(address, at):
            return False
        self.add(FunnelStep.PRODUCT_VIEW.value, [slug], at)
        return True

    def _flush_soon(self) -> None:
        if self.flush_seconds > 0:
            self._start()
            self.wake.set()
            return
        try:  # no writer thread: this request writes the batch, and never fails for it
            self.flush()
        except Exception:  # noqa: BLE001 - counting must not break shopping; the counts are kept
            log.exception("journey counts could not be written; kept for the next try")

    def _start(self) -> None:
        with self.lock:
            if self.thread is not None:
                return
            self.thread = threading.Thread(target=self._run, name="journey-counter", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            self.wake.wait(self.flush_seconds)
            self.wake.clear()
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - the writer must outlive a database hiccup; the counts are kept
                log.exception("journey counts could not be written; kept for the next try")

    def take(self) -> dict[tuple[datetime, str, int | str], int]:
        """The counts gathered so far, leaving none pending."""
        with self.lock:
            pending, self.pending = self.pending, defaultdict(int)
            self.events = 0
        return pending

    def flush(self) -> int:
        """Write the pending counts (one upsert per batch of rows) and say how many rows were written; on a
        database error the counts go back to wait for the next flush, and the error is raised."""
        with self.write_lock:
            pending = self.take()
            if not pending:
                return 0
            try:
                if self.writer is not None:
                    return self.writer(pending)
                with self.app.app_context():
                    return write_counts(pending)
            except Exception:
                with self.lock:
                    for key, count in pending.items():
                        self.pending[key] += count
                        self.events += count
                raise


def write_counts(pending: dict[tuple[datetime, str, int | str], int]) -> int:
    """Add the counts to `funnel_counts` and their hours to `funnel_hours` (slugs of product pages turned
    into product ids; unknown ones dropped), in one transaction of its own; how many minute rows were written."""
    slugs = {key for _, _, key in pending if isinstance(key, str)}
    numbers = {key for _, _, key in pending if isinstance(key, int)}
    ids: dict[int | str, int] = {}
    if slugs:
        ids.update(db.session.execute(select(Product.slug, Product.id).where(Product.slug.in_(slugs))).all())
    if numbers:  # a product deleted since it was counted is left out
        ids.update((i, i) for i in db.session.scalars(select(Product.id).where(Product.id.in_(numbers))))
    db.session.remove()
    rows: dict[tuple[int, str, datetime], int] = defaultdict(int)
    for (minute, step, key), count in pending.items():
        if key in ids:
            rows[(ids[key], step, minute)] += count
    if not rows:
        return 0
    hours: dict[tuple[int, str, datetime], int] = defaultdict(int)
    for (product_id, step, minute), count in rows.items():
        hours[(product_id, step, minute.replace(minute=0))] += count
    with db.engine.begin() as connection:
        _add(connection, FunnelCount.__table__, "minute", rows)
        _add(connection, FunnelHour.__table__, "hour", hours)
    return len(rows)


def _add(connection, table, time_column: str, rows: dict[tuple[int, str, datetime], int]) -> None:
    """Add the counts onto the table's rows (made when missing), in batches, in primary-key order."""
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    values = [{"product_id": p, "step": s, time_column: t, "count": c} for (p, s, t), c in sorted(rows.items())]
    for start in range(0, len(values), WRITE_BATCH):
        statement = insert(table).values(values[start:start + WRITE_BATCH])
        connection.execute(statement.on_conflict_do_update(
            index_elements=[table.c.product_id, table.c.step, table.c[time_column]],
            set_={"count": table.c.count + statement.excluded.count}))


def journey_counter(app: Flask) -> JourneyCounter | SharedCounter:
    """The application's counter: shared (in Redis with `FUNNEL_COUNTER = "redis"`), else this worker's."""
    return app.extensions["journey_counter"]


def _person_shopping() -> bool:
    """Whether this request is a person shopping: not a robot, and not a vendor or staff member browsing."""
    if is_robot(request.headers.get("User-Agent", "")):
        return False
    return not (current_user.is_authenticated and current_user.role in (Role.VENDOR, Role.STAFF))


def init_app(app: Flask, shared: SharedCounter | None = None) -> None:
    """Count product pages, add-to-carts and checkout starts in `app` (unless `FUNNEL_COUNTING` is off): into
    the `shared` counter when given (Redis, `funnel_redis.shared_counter`), else in each worker's memory."""
    local = shared.buffer if shared is not None else JourneyCounter(
        app, float(app.config.get("FUNNEL_FLUSH_SECONDS", 10)), int(app.config.get("FUNNEL_FLUSH_EVENTS", 1000)))
    counter: JourneyCounter | SharedCounter = shared if shared is not None else local
    app.extensions["journey_counter"] = counter
    if not app.config.get("FUNNEL_COUNTING", True):
        return

    def count_step(step: str, product_ids: Iterable[int]) -> None:
        if _person_shopping():  # ids as a form sent them are text: whole numbers only, the rest is not a product
            counter.add(step, [int(i) for i in product_ids if isinstance(i, int) or str(i).isdigit()])

    def count_product_page(response: Response) -> Response:
        if (request.endpoint == PRODUCT_PAGE and request.method == "GET" and response.status_code == 200
                and _person_shopping()):
            counter.add_page(request.view_args["slug"], request.remote_addr or "")
        return response

    register_funnel_counter(app, count_step)
    app.after_request(count_product_page)
    if local.flush_seconds > 0:  # with a writer thread, what it has not sent on yet is sent at exit
        finished = weakref.ref(local)
        atexit.register(lambda: _flush_at_exit(finished))


def _flush_at_exit(counter_ref: weakref.ref) -> None:
    counter = counter_ref()
    if counter is not None:
        try:
            counter.flush()
        except Exception:  # noqa: BLE001 - the process is ending; say so and go
            log.exception("journey counts lost at exit")
