"""Worked-out reports kept for a short while, so a page read by many staff is worked out once a minute.

A `ReportCache` keeps values (plain data: texts, numbers, amounts — never database rows) for `seconds`
after they were worked out, on `clock.now()` so tests move it. With `REDIS_URL` the values live in Redis,
shared by every worker on every machine (pickled, as the job queue's jobs are: the site trusts its own
Redis); without it, in the worker's memory. When a kept value has aged past `seconds`, one worker works
it out again while the others keep showing the old one (a claim with a short life); with
`REPORT_REFRESH_IN_BACKGROUND` that worker does it in a thread after answering with the old value, so no
request waits for it but the very first. A value is never shown older than twice `seconds` (then the
request works it out). If Redis cannot be reached the value is worked out here.
"""
from __future__ import annotations

import logging
import pickle
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from flask import Flask, current_app, g
from markupsafe import Markup

from marketplace.core import clock

log = logging.getLogger(__name__)
T = TypeVar("T")
TIMEOUT = 0.5  # seconds: a page never waits long on Redis


class LocalReports:
    """Values in this worker's memory, the oldest dropped past `max_entries`; thread-safe."""

    def __init__(self, max_entries: int = 256) -> None:
        self.entries: dict[str, tuple[datetime, Any]] = {}
        self.working: dict[str, float] = {}  # key -> when its claim ends (monotonic seconds)
        self.lock = threading.Lock()
        self.max_entries = max_entries

    def get(self, key: str) -> tuple[datetime, Any] | None:
        with self.lock:
            return self.entries.get(key)

    def put(self, key: str, computed_at: datetime, value: Any, seconds: int) -> None:
        with self.lock:
            self.entries.pop(key, None)
            self.entries[key] = (computed_at, value)
            while len(self.entries) > self.max_entries:
                self.entries.pop(next(iter(self.entries)))
            self.working.pop(key, None)

    def claim(self, key: str, seconds: int) -> bool:
        """Whether this thread should work the value out again (no other one of this worker is at it)."""
        with self.lock:
            if self.working.get(key, 0) > time.monotonic():
                return False
            self.working[key] = time.monotonic() + max(5, seconds // 2)
            return True

    def release(self, key: str) -> None:
        with self.lock:
            self.working.pop(key, None)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.working.clear()


class RedisReports:
    """Values in Redis under `prefix`, shared by every process; each lives twice `seconds`."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT)
        self.prefix = prefix

    def get(self, key: str) -> tuple[datetime, Any] | None:
        data = self.client.get(self.prefix + key)
        return pickle.loads(data) if data is not None else None  # noqa: S301 - written by this site only

    def put(self, key: str, computed_at: datetime, value: Any, seconds: int) -> None:
        self.client.set(self.prefix + key, pickle.dumps((computed_at, value), pickle.HIGHEST_PROTOCOL),
                        ex=2 * seconds)
        self.client.delete(self.prefix + "working:" + key)

    def claim(self, key: str, seconds: int) -> bool:
        """Whether this process should work the value out again (no other one is at it)."""
        return bool(self.client.set(self.prefix + "working:" + key, b"1", nx=True, ex=max(5, seconds // 2)))

    def release(self, key: str) -> None:
        self.client.delete(self.prefix + "working:" + key)

    def clear(self) -> None:
        for key in self.client.scan_iter(self.prefix + "*"):
            self.client.delete(key)


class ReportCache:
    """Values worked out at most once every `seconds` per key (see the module's description)."""

    def __init__(self, seconds: int, redis_url: str | None = None, prefix: str = "srm:reports:",
                 background: bool = False) -> None:
        self.seconds, self.background = seconds, background
        self.store: LocalReports | RedisReports = RedisReports(redis_url, prefix) if redis_url else LocalReports()
        self.refreshing: threading.Thread | None = None  # the last refresh started (tests wait for it)

    @property
    def shared(self) -> bool:
        """Whether every worker shares the kept values (Redis)."""
        return isinstance(self.store, RedisReports)

    def get_or_work_out(self, key: str, work_out: Callable[[datetime], T], now: datetime | None = None,
                        language: str | None = None, background: bool | None = None) -> T:
        """The value kept under `key` while it is younger than `seconds`, else `work_out(now)`, kept. With
        `background`, a value past `seconds` but younger than twice that is answered while a thread works it
        out again (in a request context of `language`, as the page's own); `background` False works it out
        in the request whatever the cache's setting."""
        now = now or clock.now()
        try:
            kept = self.store.get(key) if self.seconds > 0 else None
        except Exception:  # noqa: BLE001 - Redis away: work it out here
            log.warning("report cache unreachable; working the report out", exc_info=True)
            return work_out(now)
        if kept is not None:
            computed_at, value = kept
            age = now - computed_at
            if timedelta(0) <= age < timedelta(seconds=self.seconds):
                return value
            if timedelta(0) <= age < timedelta(seconds=2 * self.seconds):
                if not self._claim(key):
                    return value  # another worker is working it out: the old one meanwhile
                if self.background if background is None else background:
                    self._refresh_later(key, work_out, language)
                    return value
        value = work_out(now)
        self._keep(key, now, value)
        return value

    def _keep(self, key: str, computed_at: datetime, value: Any) -> None:
        if self.seconds > 0:
            try:
                self.store.put(key, computed_at, value, self.seconds)
            except Exception:  # noqa: BLE001 - shown, only not kept
                log.warning("report not kept: the cache cannot be reached", exc_info=True)

    def _refresh_later(self, key: str, work_out: Callable[[datetime], Any], language: str | None) -> None:
        app = current_app._get_current_object()  # noqa: SLF001 - the thread outlives the request

        def refresh() -> None:
            try:
                with app.test_request_context("/"):
                    if language:
                        g.lang_code = language
                    at = clock.now()
                    self._keep(key, at, work_out(at))
            except Exception:  # noqa: BLE001 - the old value stays until a request works it out
                log.exception("report %s not worked out again", key)
                try:
                    self.store.release(key)
                except Exception:  # noqa: BLE001
                    log.warning("claim on report %s left to expire", key)

        self.refreshing = threading.Thread(target=refresh, name="report-refresh", daemon=True)
        self.refreshing.start()

    def _claim(self, key: str) -> bool:
        try:
            return self.store.claim(key, self.seconds)
        except Exception:  # noqa: BLE001
            return True

    def clear(self) -> None:
        """Forget every kept value."""
        self.store.clear()


def kept_html(cache: ReportCache, key: str, render: Callable[[], str]) -> Markup:
    """A report's HTML rendered once per `key` (which names the worked-out report it shows) and kept as the
    report is: staff reloading a page get the kept HTML instead of a table rendered afresh."""
    # What is kept is the output of an autoescaping template rendered here, never text from outside.
    return Markup(cache.get_or_work_out("html:" + key, lambda now: str(render()), background=False))  # noqa: S704


def report_cache(app: Flask, seconds: int) -> ReportCache:
    """A cache of reports for `app`: in Redis with `REDIS_URL`, else in the worker's memory."""
    return ReportCache(seconds, app.config.get("REDIS_URL"), app.config.get("REPORT_CACHE_PREFIX", "srm:reports:"),
                       bool(app.config.get("REPORT_REFRESH_IN_BACKGROUND", False)))
