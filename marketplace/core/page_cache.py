"""A cache of whole pages for every shopper, kept per application and refreshed by data changes.

The same pavilion, category or product page is asked for again and again, by visitors and signed-in
shoppers alike. A page is rendered once and kept (in process, or in Redis when `REDIS_URL` is set so
every worker shares it) for at most `PAGE_CACHE_SECONDS`. Per-response values — the CSP nonce, the
CSRF token, those registered with `per_response_value` (the cart count, the signed-in name) and the
viewer's own choices registered with `viewer_switch` (deals they saved) — are rendered as
placeholders and filled in on every response. Signed-in viewers share the pages of their role (the
menus differ by role) and of the values features register with `vary_signed_in_pages_by` (prices
that depend on what the shopper already bought); anything else a page shows that differs between two
signed-in users must be one of those placeholders.

Each application has its own `PageCache` in `app.extensions["page_cache"]`. The core names no
table: each feature, in its own start-up step, says which of its tables show on cached pages
(`watch_tables`). A commit of the application's session that changes one of them bumps the cache
version, so the next request renders afresh: at once in this process, and in every process when the
version lives in Redis. The session listeners are attached once, when the first application that keeps
pages is built, and act only on the cache of the application a commit is made in.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection
from functools import wraps
from typing import Any

from flask import Flask, Response, current_app, g, has_app_context, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from sqlalchemy import Executable, event
from sqlalchemy.orm import ORMExecuteState, Session

from marketplace.core.i18n import reading_order
from marketplace.core.security import csp_nonce
from marketplace.core.zones import viewer_zone
from marketplace.extensions import db

log = logging.getLogger(__name__)
CHANGED = "page_cache_changed"  # session.info key: this transaction changed what cached pages show


class LocalPageStore:
    """An in-process LRU of rendered pages with a time limit; thread-safe for threaded workers."""

    shared = False  # only this process sees it

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

    def exchange(self, name: str, value: int) -> int | None:
        """Nothing is shared in process: always None (see `RedisPageStore.exchange`)."""
        return None


class RedisPageStore:
    """Pages in Redis, shared by every worker; the version key makes a bump visible everywhere."""

    shared = True  # every process with the same REDIS_URL and prefix sees it

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

    def exchange(self, name: str, value: int) -> int | None:
        """Store `value` under `name` for every process; the value stored before, None when there was none."""
        previous = self.client.getset(self.prefix + name, value)
        return None if previous is None else int(previous)


def placeholders(app: Flask) -> tuple[str, str]:
    """The nonce and CSRF placeholders: the same in every worker of a deployment (pages are shared
    through Redis), derived from the secret key so that no vendor can type one into a text."""
    digest = hmac.new(str(app.secret_key).encode(), b"page-cache-placeholders", hashlib.sha256).hexdigest()
    return f"srm-nonce-{digest[:20]}", f"srm-csrf-{digest[20:40]}"


class PageCache:
    """One application's page cache: where pages are kept (`store`, None when `PAGE_CACHE_SECONDS` is 0),
    the tables whose changes refresh them, and what is filled into a kept page on every response."""

    def __init__(self, app: Flask) -> None:
        seconds = int(app.config.get("PAGE_CACHE_SECONDS", 0))
        redis_url = app.config.get("REDIS_URL")
        prefix = app.config.get("PAGE_CACHE_PREFIX", "srm:pages:")
        self.store: LocalPageStore | RedisPageStore | None = None
        if seconds > 0:
            self.store = RedisPageStore(redis_url, seconds, prefix) if redis_url else LocalPageStore(seconds)
        self.placeholders = placeholders(app)
        self.watched: set[str] = set()
        self.fillers: list[Callable[[str], str]] = []
        self.values: dict[str, Callable[[], str]] = {}
        self.variants: list[Callable[[], str]] = []
        self.signed_in_variants: list[Callable[[], str]] = []
        self.switches: dict[str, tuple[re.Pattern, Callable[[], Collection[int]]]] = {}

    @property
    def enabled(self) -> bool:
        return self.store is not None

    @property
    def shared(self) -> bool:
        """Whether other processes see this cache's pages and version (the Redis store)."""
        return self.store is not None and self.store.shared

    def version(self) -> int:
        """The current version (0 without a store); raises what the store raises when it cannot be reached."""
        return self.store.version() if self.store is not None else 0

    def bump(self) -> None:
        """Make every kept page stale; a store that cannot be reached is logged (pages then expire by time)."""
        if self.store is None:
            return
        try:
            self.store.bump()
        except Exception:  # noqa: BLE001 - entries still expire by time
            log.warning("page cache version not bumped; pages expire by time", exc_info=True)

    def exchange(self, name: str, value: int) -> int | None:
        """Store `value` under `name` where every process sharing the cache sees it; the previous value, or
        None when there was none or nothing is shared."""
        return self.store.exchange(name, value) if self.store is not None else None

    def watch(self, *tables: str) -> None:
        self.watched.update(tables)

    def touched_by(self, session: Session) -> bool:
        """Whether the pending changes of `session` touch a watched table."""
        for instance in (*session.new, *session.dirty, *session.deleted):
            if getattr(type(instance), "__tablename__", None) in self.watched:
                return True
        return False


def changed_table(state: ORMExecuteState) -> str | None:
    """The name of the table an INSERT, UPDATE or DELETE statement writes (ORM or Core), else None."""
    table = getattr(state.statement, "table", None)
    if table is not None and hasattr(table, "name"):
        return table.name
    return state.bind_mapper.local_table.name if state.bind_mapper is not None else None


def _current_cache() -> PageCache | None:
    """The page cache of the application this session work is done in, when it keeps pages."""
    if not has_app_context():
        return None
    cache = current_app.extensions.get("page_cache")
    return cache if cache is not None and cache.enabled else None


def _note_flush(session: Session, _context: Any, _instances: Any) -> None:
    cache = _current_cache()
    if cache is not None and cache.touched_by(session):
        session.info[CHANGED] = True


def _note_statement(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete or state.is_insert) or state.execution_options.get(COUNTS_A_SALE):
        return
    cache = _current_cache()
    if cache is not None and changed_table(state) in cache.watched:
        state.session.info[CHANGED] = True


def _bump_after_commit(session: Session) -> None:
    cache = _current_cache()
    if cache is not None and session.info.pop(CHANGED, False):
        cache.bump()


def _forget_after_rollback(session: Session) -> None:
    session.info.pop(CHANGED, None)


SESSION_LISTENERS = (("before_flush", _note_flush), ("do_orm_execute", _note_statement),
                     ("after_commit", _bump_after_commit), ("after_rollback", _forget_after_rollback))


def listen_to(sessions: Any) -> None:
    """Bump the current application's cache after commits of `sessions` (a scoped session, a sessionmaker or a
    Session class) that change a table it watches. Attached once, however many applications are built: each
    listener finds its cache through the application in whose context the session works, so applications
    built in one process (as the tests do) share no state, and no listener is ever removed while another
    thread's query runs through the list of listeners."""
    for name, listener in SESSION_LISTENERS:
        if not event.contains(sessions, name, listener):
            event.listen(sessions, name, listener)


def page_cache(app: Flask | None = None) -> PageCache:
    """The page cache of `app` (the current application by default)."""
    return (app or current_app).extensions["page_cache"]


def watch_tables(app: Flask, *tables: str) -> None:
    """Make commits that change these tables (of a feature whose rows show on cached pages) refresh the
    application's cached pages."""
    page_cache(app).watch(*tables)


def placeholder_nonce() -> str:
    return page_cache().placeholders[0] if g.get("page_cache_rendering") else csp_nonce()


def placeholder_csrf() -> str:
    return page_cache().placeholders[1] if g.get("page_cache_rendering") else generate_csrf()


def per_response_value(app: Flask, name: str, compute: Callable[[], str]) -> None:
    """Offer `compute()` to templates as `name()`; a page kept by the cache gets it filled in on every response."""
    digest = hmac.new(str(app.secret_key).encode(), f"page-cache-value-{name}".encode(), hashlib.sha256).hexdigest()
    marker = f"srm-{name.replace('_', '-')}-{digest[:20]}"
    page_cache(app).values[marker] = compute
    app.jinja_env.globals[name] = lambda: marker if g.get("page_cache_rendering") else compute()


def add_page_filler(app: Flask, fill: Callable[[str], str]) -> None:
    """Have `fill` rewrite every page served through the cache, as placeholders are filled: for values
    that depend on the moment of the response (a countdown's time left) rather than on the data."""
    page_cache(app).fillers.append(fill)


def vary_pages_by(app: Flask, variant: Callable[[], str]) -> None:
    """Keep a separate copy of each page for every value of `variant()` (a visitor's choice a feature
    stores in the session, such as the display currency)."""
    page_cache(app).variants.append(variant)


def vary_signed_in_pages_by(app: Flask, variant: Callable[[], str]) -> None:
    """Keep a separate copy of each page for signed-in viewers for every value of `variant()` (asked only for a
    signed-in viewer): for what a page shows that depends on the viewer's own rows and cannot be filled in per
    response (a price the shopper's earlier purchases change). Return "" for the common case, so most
    signed-in viewers share one copy."""
    page_cache(app).signed_in_variants.append(variant)


def viewer_switch(app: Flask, name: str, members: Callable[[], Collection[int]]) -> None:
    """Offer templates `name(item, inside, outside)`: the `inside` markup when `item` is among the current
    viewer's `members()` (the deals they saved), else `outside`. A page kept by the cache holds both, and
    each response keeps the viewer's own; `members()` is asked at most once per response."""
    digest = hmac.new(str(app.secret_key).encode(), f"page-cache-switch-{name}".encode(), hashlib.sha256).hexdigest()
    marker = f"srm-{name.replace('_', '-')}-{digest[:20]}"
    pattern = re.compile(re.escape(marker) + r"-(\d+)-in(.*?)" + re.escape(marker) + r"-\1-out(.*?)"
                         + re.escape(marker) + r"-\1-end", re.DOTALL)
    page_cache(app).switches[marker] = (pattern, members)
    key = f"viewer_switch_{name}"

    def choose(item: int, inside: str, outside: str) -> Markup:
        if g.get("page_cache_rendering"):
            return Markup(  # noqa: S704 - our marker and an int around markup escaped here
                f"{marker}-{int(item)}-in{escape(inside)}{marker}-{int(item)}-out{escape(outside)}{marker}-{int(item)}-end")
        chosen = g.get(key)
        if chosen is None:
            chosen = set(members())
            setattr(g, key, chosen)
        return escape(inside) if item in chosen else escape(outside)

    app.jinja_env.globals[name] = choose


def _fill_switches(cache: PageCache, body: str) -> str:
    """Keep, in each switch of a kept page, the part that holds for the current viewer."""
    for marker, (pattern, members) in cache.switches.items():
        if marker not in body:
            continue
        chosen = set(members())
        body = pattern.sub(lambda m, chosen=chosen: m.group(2) if int(m.group(1)) in chosen else m.group(3), body)
    return body


def viewer_key(cache: PageCache) -> str:
    """What tells apart the copies of a page for viewers: "-" for a visitor, else the signed-in user's role
    (menus differ by role) and the features' signed-in variants."""
    if not current_user.is_authenticated:
        return "-"
    role = getattr(current_user, "role", None)
    return ":".join((str(getattr(role, "value", role)), *(variant() for variant in cache.signed_in_variants)))


def rendering_for_cache() -> bool:
    """Whether the page being rendered will be kept (values that differ per response must be placeholders)."""
    return bool(g.get("page_cache_rendering"))


def cached_page(view: Callable[..., Any] | None = None, *, vary: Callable[[], str] | None = None) -> Any:
    """Serve `view` from the page cache for GETs by visitors and signed-in users; render and keep it on a miss.
    `@cached_page(vary=f)` also keeps a copy per value of `f()` (what the view reads besides the database,
    such as the search index's version)."""
    if view is None:
        return lambda decorated: cached_page(decorated, vary=vary)

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        cache = page_cache()
        store = cache.store
        if store is None or request.method != "GET" or "_flashes" in session:
            return view(*args, **kwargs)
        try:
            # Texts fall back through the visitor's other languages (Accept-Language) and times are on
            # the visitor's clocks, so visitors whose reading orders or zones differ get different pages.
            key = "|".join((str(store.version()), request.host, request.full_path, ",".join(reading_order()),
                            viewer_zone(), *(variant() for variant in cache.variants), viewer_key(cache),
                            vary() if vary is not None else ""))
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
        nonce_placeholder, csrf_placeholder = cache.placeholders
        if csrf_placeholder in body:
            body = body.replace(csrf_placeholder, generate_csrf())
        body = _fill_switches(cache, body)  # before any value a user typed enters the page
        for fill in cache.fillers:
            body = fill(body)
        for marker, compute in cache.values.items():
            if marker in body:
                body = body.replace(marker, str(escape(compute())))
        response = Response(body.replace(nonce_placeholder, csp_nonce()), mimetype="text/html")
        response.vary.add("Accept-Language")
        if current_user.is_authenticated:
            response.cache_control.private = True  # filled for this user: no shared cache may keep it
        return response

    return wrapper


COUNTS_A_SALE = "page_cache_counts_a_sale"  # execution option: see `counts_a_sale`


def counts_a_sale(statement: Executable) -> Executable:
    """Mark a write that only counts a sale (stock taken, a deal's units sold) on a watched table: kept pages
    show such counts in bands or fill them in per response, so the statement alone refreshes no page — at an
    opening every order would otherwise throw every kept page away. Its caller marks the changes pages do show
    (`mark_catalogue_changed`: sold out, a few left)."""
    return statement.execution_options(**{COUNTS_A_SALE: True})


def mark_catalogue_changed(session: Session) -> None:
    """Make this session's next commit refresh cached pages (for changes the table watch cannot see)."""
    session.info[CHANGED] = True


def init_app(app: Flask) -> None:
    """Give `app` its page cache; features then name their tables with `watch_tables`."""
    cache = app.extensions["page_cache"] = PageCache(app)
    app.jinja_env.globals["csp_nonce"] = placeholder_nonce
    # Flask-WTF offers csrf_token through a context processor; a later one takes precedence.
    app.context_processor(lambda: {"csrf_token": placeholder_csrf})
    if cache.enabled:
        listen_to(db.session)
