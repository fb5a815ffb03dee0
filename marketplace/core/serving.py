"""gunicorn's threaded worker, answering 503 at once when it has more requests than it can serve in time.

gthread accepts connections as fast as they come and queues them for its few threads, so under
overload every request waits longer and longer until clients give up (and the worker still renders
pages nobody reads). This worker notes when each request was queued and how many were queued before
it; a request that waited past `WEB_MAX_QUEUE_SECONDS`, or arrived behind more than `WEB_MAX_QUEUE`
others, is answered 503 with Retry-After from bytes rendered once per worker (the busy page in the
address's language, or the API's JSON error), without entering the application: shedding must cost
far less than serving, or the queue never drains. The application refuses requests marked in the
environ the same way (marketplace/core/edge.py), for servers that mark them otherwise.

A form sent (POST, PUT, PATCH, DELETE) is a person's decision — register for a lecture, pay, save a
product — and short work; bouncing it costs them a second press and the server a second page. So sent
forms get their own, longer limits (`WEB_MAX_QUEUE_SECONDS_WRITES`, `WEB_MAX_QUEUE_WRITES`): a burst of
a thousand registrations queues for seconds and is served, instead of being bounced a thousand times.
Pages (GET, HEAD) keep the short limits, since a reader re-asks anyway and they cost the most.
"""
from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from gunicorn.workers.gthread import ThreadWorker

from marketplace.core.error_pages import RETRY_AFTER_SECONDS, busy_answers

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Liveness answers however busy the worker is: shedding it would have a supervisor restart a worker for being
# busy. Readiness (/readyz) is shed like a page: a worker that cannot serve in time is not ready.
NEVER_SHED = frozenset({"/healthz"})
WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


def release_connections(app: Flask, close: bool) -> None:
    """Let go of the application's pooled database connections: closed in the gunicorn master before it
    forks (`close=True`), only forgotten in a new worker (`close=False`), whose inherited sockets still
    belong to the master. Redis clients need nothing: redis-py's pools notice the new process themselves."""
    from marketplace.extensions import db

    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=close)


def warm_up(app: Flask) -> None:
    """Do once, in the gunicorn master before it forks, what every new worker would otherwise do on its first
    requests: compile every template, load each language's translations and Babel's locale data. A worker
    replaced after `max_requests` then serves at full speed at once (a cold worker spends its first few hundred
    milliseconds of each page here, and the kept pages of the in-process cache are lost with the old one).
    Reads no table and serves no request: nothing is counted or cached on anyone's behalf."""
    from datetime import UTC, datetime

    from babel import Locale
    from babel.dates import format_datetime
    from babel.numbers import format_currency, format_decimal
    from flask_babel import force_locale, get_translations

    from marketplace.core.i18n import LANGUAGES

    for name in app.jinja_env.list_templates():
        if name.endswith((".html", ".txt", ".xml", ".svg")):
            app.jinja_env.get_template(name)
    moment = datetime(2027, 1, 1, tzinfo=UTC)
    with app.test_request_context("/"):
        for code in LANGUAGES:
            with force_locale(code):
                get_translations()
            locale = Locale.parse(code)
            locale.territories  # noqa: B018 - loads the locale's data
            format_decimal(1234.5, locale=locale), format_currency(1234.5, "USD", locale=locale)
            format_datetime(moment, "medium", locale=locale)


class LoadShedding:
    """Counts requests queued for a worker's threads and decides which to shed (thread-safe)."""

    def __init__(self, max_queue: int, max_wait_seconds: float, max_queue_writes: int | None = None,
                 max_wait_seconds_writes: float | None = None) -> None:
        self.max_queue = max_queue
        self.max_wait_seconds = max_wait_seconds
        self.max_queue_writes = max(max_queue, max_queue_writes or 0)
        self.max_wait_seconds_writes = max(max_wait_seconds, max_wait_seconds_writes or 0)
        self.queued = 0
        self.shed_count = 0
        self.lock = threading.Lock()
        self.current = threading.local()
        self.answers: dict[str, bytes] = {}

    def enqueued(self) -> tuple[float, int]:
        """A request joined the queue: (when, how many were waiting before it)."""
        with self.lock:
            ahead = self.queued
            self.queued += 1
        return time.monotonic(), ahead

    def started(self, queued_at: float, ahead: int) -> None:
        """A thread picked the request up: remember, for this thread, how long it waited and behind how
        many (whether to shed it depends on its method, known once the request is read)."""
        with self.lock:
            self.queued -= 1
        self.current.waited = time.monotonic() - queued_at
        self.current.ahead = ahead

    def should_shed(self, method: str) -> bool:
        """Whether this thread's request, sent with `method`, waited too long or behind too many."""
        waited, ahead = getattr(self.current, "waited", 0.0), getattr(self.current, "ahead", 0)
        self.current.waited, self.current.ahead = 0.0, 0
        if method in SAFE_METHODS:
            return ahead > self.max_queue or waited > self.max_wait_seconds
        return ahead > self.max_queue_writes or waited > self.max_wait_seconds_writes

    def wrap_wsgi(self, app: WSGIApp, flask_app: Flask) -> WSGIApp:
        """`app`, with the requests picked for shedding answered 503 without entering it; the busy
        answers are rendered once from `flask_app` (the same application, unwrapped)."""
        self.answers = busy_answers(flask_app)

        def shedding_app(environ: dict, start_response: Callable) -> Iterable[bytes]:
            shed = self.should_shed(environ.get("REQUEST_METHOD", "GET"))
            if not shed or environ.get("PATH_INFO") in NEVER_SHED:
                return app(environ, start_response)
            with self.lock:
                self.shed_count += 1
            return self.busy(environ, start_response)

        return shedding_app

    def busy(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        """The 503 answer for this request's address: JSON under /api/, else the page in its language."""
        path = environ.get("PATH_INFO", "")
        if path.startswith("/api/"):
            body, content_type = self.answers["api"], "application/json"
        else:
            language = path.split("/")[1] if path.count("/") > 1 else ""
            body, content_type = self.answers.get(language, self.answers["en"]), "text/html; charset=utf-8"
        start_response("503 Service Unavailable", [
            ("Content-Type", content_type), ("Content-Length", str(len(body))),
            ("Retry-After", str(RETRY_AFTER_SECONDS)), ("Cache-Control", "no-store"),
            ("Content-Security-Policy", "default-src 'self'; base-uri 'none'; frame-ancestors 'none'"),
            ("X-Content-Type-Options", "nosniff"),
        ])
        return [body]


class SheddingThreadWorker(ThreadWorker):
    """gthread with load shedding; limits from WEB_MAX_QUEUE_SECONDS (default 1) and WEB_MAX_QUEUE
    (requests waiting ahead, default 32 per thread), and for sent forms WEB_MAX_QUEUE_SECONDS_WRITES
    (default 15, within what browsers and proxies wait) and WEB_MAX_QUEUE_WRITES (default 250 per thread);
    a kept-alive connection is closed after WEB_REQUESTS_PER_CONNECTION requests (default 100; 0: never)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A kept-alive connection stays with the worker that accepted it: a proxy's pool of connections (or
        # any client that keeps its connections) ends up on the older workers, and a worker replaced after
        # max_requests gets almost none of them back — half the site idles. Closing each connection after
        # this many requests ("Connection: close") spreads them over the workers again within seconds.
        self.requests_per_connection = int(os.environ.get("WEB_REQUESTS_PER_CONNECTION", 100))
        self.shedding = LoadShedding(
            max_queue=int(os.environ.get("WEB_MAX_QUEUE", 32 * self.cfg.threads)),
            max_wait_seconds=float(os.environ.get("WEB_MAX_QUEUE_SECONDS", 1.0)),
            max_queue_writes=int(os.environ.get("WEB_MAX_QUEUE_WRITES", 250 * self.cfg.threads)),
            max_wait_seconds_writes=float(os.environ.get("WEB_MAX_QUEUE_SECONDS_WRITES", 15.0)),
        )

    def load_wsgi(self) -> None:
        super().load_wsgi()
        self.wsgi = self.shedding.wrap_wsgi(self.wsgi, self.wsgi)

    def handle_exit(self, sig: int, frame: Any) -> None:
        if self.shedding.shed_count:
            self.log.warning("answered %d requests 503 (busy) to keep up", self.shedding.shed_count)
        super().handle_exit(sig, frame)

    def enqueue_req(self, conn: Any) -> None:
        conn.queued = self.shedding.enqueued()
        super().enqueue_req(conn)

    def handle(self, conn: Any) -> Any:
        self.shedding.started(*conn.queued)
        return super().handle(conn)

    def handle_request(self, req: Any, conn: Any) -> Any:
        conn.served = getattr(conn, "served", 0) + 1
        if self.requests_per_connection and conn.served >= self.requests_per_connection:
            req.must_close = True  # answered with "Connection: close"; the client connects afresh
        return super().handle_request(req, conn)
