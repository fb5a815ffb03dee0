"""A cache of whole catalogue pages for anonymous shoppers, invalidated by catalogue changes.

Most visitors browse without logging in, and the same pavilion or category page is asked for again
and again. For them a page is rendered once and kept (in process, or in Redis when `REDIS_URL` is set
so every worker shares it) for at most `PAGE_CACHE_SECONDS`. Per-response values — the CSP nonce,
the CSRF token and those registered with `per_response_value` — are rendered as placeholders and
filled in on every response. A commit that changes a watched table bumps the cache version, so the
next request renders afresh: at once in this process, and in every process when the version lives
in Redis.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, Response, current_app, g, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import escape
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from marketplace.core.i18n import reading_order
from marketplace.core.security import csp_nonce
from marketplace.core.zones import viewer_zone

log = logging.getLogger(__name__)
WATCHED_TABLES: set[str] = {
    "products", "product_texts", "product_images", "stores", "store_texts", "store_categories",
    "categories", "category_texts", "countries", "exchange_rates", "slot_quotas",
}


def watch_tables(*names: str) -> None:
    """Make commits that change these tables (of a package built on the core) refresh cached pages too."""
    WATCHED_TABLES.update(names)


class LocalPageStore:
    """An in-process LRU of rendered pages with a time limit; thread-safe for threaded workers."""

    def __init__(self, seconds: int, max_entries: int = 2000) -> None:
        self.seconds, self.max_entries = seconds, max_entries
        self.entries: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self.lock = threading.Lock()
        self.generation = 0

    def version(self) -> int:
        return self.generation

    def bump(self) -> None:
        with self.lock:
            self.generation += 1
            self.entries.clear()

    def get(self, key: str) -> str | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is None or entry[0] < time.monotonic():
                return None
            self.entries.move_to_end(key)
            return entry[1]

    def set(self, key: str, body: str) -> None:
        with self.lock:
            self.entries[key] = (time.monotonic() + self.seconds, body)
            self.entries.move_to_end(key)
            while len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)


class RedisPageStore:
    """Pages in Redis, shared by every worker; the version key makes a bump visible everywhere."""

    def __init__(self, url: str, seconds: int, prefix: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.seconds, self.prefix = seconds, prefix

    def version(self) -> int:
        return int(self.client.get(self.prefix + "version") or 0)

    def bump(self) -> None:
        self.client.incr(self.prefix + "version")

    def get(self, key: str) -> str | None:
        value = self.client.get(self.prefix + key)
        return value.decode() if value is not None else None

    def set(self, key: str, body: str) -> None:
        self.client.set(self.prefix + key, body.encode(), ex=self.seconds)


def placeholders(app: Flask) -> tuple[str, str]:
    """The nonce and CSRF placeholders: the same in every worker of a deployment (pages are shared
    through Redis), derived from the secret key so that no vendor can type one into a text."""
    digest = hmac.new(str(app.secret_key).encode(), b"page-cache-placeholders", hashlib.sha256).hexdigest()
    return f"srm-nonce-{digest[:20]}", f"srm-csrf-{digest[20:40]}"


def placeholder_nonce() -> str:
    return current_app.extensions["page_cache_placeholders"][0] if g.get("page_cache_rendering") else csp_nonce()


def placeholder_csrf() -> str:
    return current_app.extensions["page_cache_placeholders"][1] if g.get("page_cache_rendering") else generate_csrf()


def per_response_value(app: Flask, name: str, compute: Callable[[], str]) -> None:
    """Offer `compute()` to templates as `name()`; a page kept by the cache gets it filled in on every response."""
    digest = hmac.new(str(app.secret_key).encode(), f"page-cache-value-{name}".encode(), hashlib.sha256).hexdigest()
    marker = f"srm-{name.replace('_', '-')}-{digest[:20]}"
    app.extensions.setdefault("page_cache_values", {})[marker] = compute
    app.jinja_env.globals[name] = lambda: marker if g.get("page_cache_rendering") else compute()


def cached_page(view: Callable[..., Any]) -> Callable[..., Any]:
    """Serve `view` from the page cache for anonymous GETs; render and keep it on a miss."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        store = current_app.extensions.get("page_cache")
        if store is None or request.method != "GET" or "_flashes" in session or current_user.is_authenticated:
            return view(*args, **kwargs)
        try:
            # Texts fall back through the visitor's other languages (Accept-Language) and times are on
            # the visitor's clocks, so visitors whose reading orders or zones differ get different pages.
            key = "|".join((str(store.version()), request.host, request.full_path,
                            session.get("display_currency", "default"), ",".join(reading_order()), viewer_zone()))
            body = store.get(key)
        except Exception:  # noqa: BLE001 - a cache outage must never take the page down
            return view(*args, **kwargs)
        if body is None:
            g.page_cache_rendering = True
            try:
                response = current_app.make_response(view(*args, **kwargs))
            finally:
                g.page_cache_rendering = False
            if response.status_code != 200 or response.mimetype != "text/html":
                return response
            body = response.get_data(as_text=True)
            try:
                store.set(key, body)
            except Exception:  # noqa: BLE001 - serving the page matters more than keeping it
                log.warning("page cache unavailable; page not kept", exc_info=True)
        nonce_placeholder, csrf_placeholder = current_app.extensions["page_cache_placeholders"]
        if csrf_placeholder in body:
            body = body.replace(csrf_placeholder, generate_csrf())
        for fill in current_app.extensions.get("page_cache_fillers", ()):
            body = fill(body)
        for marker, compute in current_app.extensions.get("page_cache_values", {}).items():
            if marker in body:
                body = body.replace(marker, str(escape(compute())))
        response = Response(body.replace(nonce_placeholder, csp_nonce()), mimetype="text/html")
        response.vary.add("Accept-Language")
        return response

    return wrapper


def add_page_filler(app: Flask, fill: Callable[[str], str]) -> None:
    """Have `fill` rewrite every page served through the cache, as placeholders are filled: for values
    that depend on the moment of the response (a countdown's time left) rather than on the data."""
    app.extensions.setdefault("page_cache_fillers", []).append(fill)


def mark_catalogue_changed(session: Session) -> None:
    """Make this session's next commit refresh cached pages (for changes the table watch cannot see)."""
    session.info["catalogue_changed"] = True


def _touched_watched_tables(session: Session) -> bool:
    for instance in (*session.new, *session.dirty, *session.deleted):
        table = getattr(type(instance), "__tablename__", None)
        if table in WATCHED_TABLES:
            return True
    return False


_stores: weakref.WeakSet = weakref.WeakSet()


def init_app(app: Flask) -> None:
    seconds = int(app.config.get("PAGE_CACHE_SECONDS", 0))
    app.extensions["page_cache_placeholders"] = placeholders(app)
    app.jinja_env.globals["csp_nonce"] = placeholder_nonce
    # Flask-WTF offers csrf_token through a context processor; a later one takes precedence.
    app.context_processor(lambda: {"csrf_token": placeholder_csrf})
    if seconds <= 0:
        return
    redis_url = app.config.get("REDIS_URL")
    prefix = app.config.get("PAGE_CACHE_PREFIX", "srm:pages:")
    store = RedisPageStore(redis_url, seconds, prefix) if redis_url else LocalPageStore(seconds)
    app.extensions["page_cache"] = store
    _stores.add(store)


def _note_flush(session: Session, _context: Any, _instances: Any) -> None:
    if _touched_watched_tables(session):
        session.info["catalogue_changed"] = True


def _note_statement(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete or state.is_insert) and state.bind_mapper is not None:
        if state.bind_mapper.local_table.name in WATCHED_TABLES:
            state.session.info["catalogue_changed"] = True


def _bump_after_commit(session: Session) -> None:
    if session.info.pop("catalogue_changed", False):
        for store in list(_stores):
            try:
                store.bump()
            except Exception:  # noqa: BLE001 - entries still expire by time
                log.warning("page cache version not bumped; pages expire by time", exc_info=True)


def _forget_after_rollback(session: Session) -> None:
    session.info.pop("catalogue_changed", None)


# Registered once per process: every session's commits reach every page cache of the process.
event.listen(Session, "before_flush", _note_flush)
event.listen(Session, "do_orm_execute", _note_statement)
event.listen(Session, "after_commit", _bump_after_commit)
event.listen(Session, "after_rollback", _forget_after_rollback)
