"""Keeping cached catalogue pages true to festival prices.

Catalogue pages for anonymous shoppers are cached (marketplace/core/page_cache.py) and show
festival prices. Staff and vendor changes to festival tables refresh the cache: festivals name
their tables to the application's page cache when the application is built. Time is the other
thing that changes a price: a wave opening or closing changes no row. So before every request this
counts the wave boundaries (and warm-up starts) already passed; when the count differs from the last
request's, the page cache is bumped, and no page rendered before a boundary is served after it. The
boundary list is read from the database at most once a second per process (or at once after a
festival commit here); which of them have passed is worked out on every request from `clock.now()`,
so the switch happens at the exact instant. A wave created in another process reaches this one
through the watched-table bump and, at the latest, the next reload a second later. The festival index
is cached like a catalogue page; a festival's own page is not (its "n left" bars change with every sale).

Signed-in shoppers get cached pages too. What festivals show differently to each of them is either
filled in per response — "Saved" or the save button on each deal card (`viewer_switch`) — or keeps a
copy of the page of its own: a shopper who already bought units of a deal with a per-shopper limit may
no longer get its festival price, so such shoppers' pages are kept apart by those purchases
(`vary_signed_in_pages_by`); everyone else shares one copy.

Countdowns on cached pages (the home page's festival, a product's deal) are rendered as
placeholders naming their target instant, and the time left is written into each response as it is
served, so a page kept for half a minute still counts from the moment it is sent.
"""
from __future__ import annotations

import bisect
import hashlib
import hmac
import re
import threading
import time
from datetime import UTC, datetime

from flask import Flask, current_app
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import ColumnElement, String, bindparam, cast, literal, select

from campaigns.festivals.display import countdown_parts, days_text, init_fragments
from campaigns.festivals.models import Deal, DealPurchase, Festival, Reminder, Wave
from marketplace.core import clock, viewer_facts
from marketplace.core.clock import to_utc
from marketplace.core.i18n import current_language
from marketplace.core.page_cache import (
    PageCache,
    add_page_filler,
    page_cache,
    rendering_for_cache,
    vary_signed_in_pages_by,
    viewer_switch,
    watch_tables,
)
from marketplace.extensions import db

FESTIVAL_TABLES = ("festivals", "festival_texts", "festival_waves", "festival_deals")
RELOAD_SECONDS = 1.0
SHARED_COUNT_KEY = "festival-boundaries"  # shared by every process of a Redis page cache


class BoundaryTracker:
    """The sorted festival boundaries, reloaded at most once a second, and the count last seen."""

    def __init__(self, reload_seconds: float = RELOAD_SECONDS) -> None:
        self.reload_seconds = reload_seconds
        self.instants: list[datetime] = []
        self.loaded_at = float("-inf")
        self.last_count: int | None = None
        self.lock = threading.Lock()

    def passed(self, at: datetime) -> int:
        """How many boundaries lie at or before `at`."""
        if time.monotonic() - self.loaded_at >= self.reload_seconds:
            self.reload()
        return bisect.bisect_right(self.instants, at)

    def reload(self) -> None:
        rows = db.session.execute(select(Wave.starts_at, Wave.ends_at)).all()
        warmups = db.session.scalars(select(Festival.warmup_starts_at)).all()
        instants = sorted({to_utc(v) for row in rows for v in row} | {to_utc(v) for v in warmups})
        with self.lock:
            self.instants, self.loaded_at = instants, time.monotonic()

    def crossed(self, at: datetime, cache: PageCache) -> bool:
        """Whether a boundary was crossed since the count was last seen, by this process or, with a
        shared (Redis) page cache, by any process; a process that has just started asks the shared count."""
        count = self.passed(at)
        with self.lock:
            previous, self.last_count = self.last_count, count
        if previous == count:
            return False
        if cache.shared:
            shared = cache.exchange(SHARED_COUNT_KEY, count)
            return shared is None or shared != count
        return previous is not None


def _countdown_marker(app: Flask) -> str:
    digest = hmac.new(str(app.secret_key).encode(), b"festival-countdowns", hashlib.sha256).hexdigest()
    return f"srm-cd-{digest[:16]}"


def countdown_fields(now: datetime, target: datetime) -> dict[str, str]:
    """The server's "now" and the days and "HH:MM:SS" left until `target`, as a countdown shows them;
    placeholders naming `target` while a page is rendered for the page cache (filled as it is served)."""
    if rendering_for_cache():
        marker, stamp = current_app.extensions["festival_countdown_marker"], int(to_utc(target).timestamp())
        return {"now": f"{marker}-now", "days": f"{marker}-d-{stamp}", "clock": f"{marker}-c-{stamp}"}
    days, clock_text = countdown_parts(now, target)
    return {"now": to_utc(now).isoformat(), "days": days_text(days, current_language().code), "clock": clock_text}


def countdown_filler(marker: str):
    """A page filler that writes the time left into a cached page's countdown placeholders (the days in
    the page's language and word order)."""
    pattern = re.compile(re.escape(marker) + r"-(now|d-(\d+)|c-(\d+))")

    def fill(body: str) -> str:
        if marker not in body:
            return body
        now = clock.now()

        def value(match: re.Match) -> str:
            if match.group(1) == "now":
                return to_utc(now).isoformat()
            days, clock_text = countdown_parts(now, datetime.fromtimestamp(int(match.group(2) or match.group(3)), UTC))
            return days_text(days, current_language().code) if match.group(2) else clock_text

        return pattern.sub(value, body)

    return fill


def units_left_label(cap: int, left: int) -> Markup:
    """A deal card's "n left" with its meter."""
    cap, left, text = int(cap), int(left), escape(ngettext("%(num)d left", "%(num)d left", left))
    return Markup(  # noqa: S704 - a translation escaped here and whole numbers
        f'<label class="left">{text}\n    <meter min="0" max="{cap}" value="{left}">{left} / {cap}</meter></label>')


def units_left(deal_id: int, cap: int, left: int) -> Markup:
    """A deal card's units left: a placeholder naming the deal while a page is rendered for the page cache
    (filled in as each response is served), else the label."""
    if rendering_for_cache():
        return Markup(f"{current_app.extensions['festival_units_marker']}-{int(deal_id)}-")  # noqa: S704 - ours
    return units_left_label(cap, left)


def price_units_left_label(left: int) -> str:
    """A product page's "n left at the festival price"."""
    left = int(left)
    return str(escape(ngettext("%(num)d left at the festival price", "%(num)d left at the festival price", left)))


def price_units_left(deal_id: int, left: int) -> Markup:
    """A product page's festival units left: a placeholder while a page is rendered for the page cache (filled
    in as each response is served: a sale does not refresh kept pages), else the sentence."""
    if rendering_for_cache():
        return Markup(f"{current_app.extensions['festival_units_marker']}-p{int(deal_id)}-")  # noqa: S704 - ours
    return Markup(price_units_left_label(left))  # noqa: S704 - escaped by the label


def units_left_filler(marker: str):
    """A page filler that writes each deal's units left, read in one query, into a kept page's placeholders:
    a deal card's label with its meter, or a product page's sentence ("-p<deal id>-")."""
    pattern = re.compile(re.escape(marker) + r"-(p?)(\d+)-")

    def fill(body: str) -> str:
        if marker not in body:
            return body
        ids = {int(found) for _kind, found in pattern.findall(body)}
        counts = {deal_id: (cap, max(0, cap - sold)) for deal_id, cap, sold in db.session.execute(
            select(Deal.id, Deal.cap, Deal.sold).where(Deal.id.in_(ids)))}
        labels: dict[tuple[str, int, int], str] = {}  # deals with the same cap and units left share a label

        def label(match: re.Match) -> str:
            kind, (cap, left) = match.group(1), counts.get(int(match.group(2)), (0, 0))
            if (kind, cap, left) not in labels:
                labels[(kind, cap, left)] = price_units_left_label(left) if kind else str(units_left_label(cap, left))
            return labels[(kind, cap, left)]

        return pattern.sub(label, body)

    return fill


class LimitedDeals:
    """The deals with a per-shopper limit whose wave is not over, read again when the page cache's version
    changes (a deal added or changed) and at least once a second; a deal over since is harmless in it."""

    def __init__(self, reload_seconds: float = RELOAD_SECONDS) -> None:
        self.reload_seconds = reload_seconds
        self.ids: list[int] = []
        self.version: int | None = None
        self.loaded_at = float("-inf")
        self.lock = threading.Lock()

    def current(self, cache: PageCache) -> list[int]:
        version = cache.version()
        if version != self.version or time.monotonic() - self.loaded_at >= self.reload_seconds:
            ids = list(db.session.scalars(select(Deal.id).join(Wave, Wave.id == Deal.wave_id).where(
                Deal.per_shopper_limit.is_not(None), Wave.ends_at > clock.now()).order_by(Deal.id)))
            with self.lock:
                self.ids, self.version, self.loaded_at = ids, version, time.monotonic()
        return self.ids


def limited_purchases() -> str:
    """The signed-in shopper's units of deals with a per-shopper limit whose wave is not over ("12x2,40x1"):
    they decide whether the shopper still gets those festival prices; "" for most shoppers (and no query
    at all while no such deal exists)."""
    deal_ids = current_app.extensions["festival_limited_deals"].current(page_cache())
    if not deal_ids:
        return ""
    known = viewer_facts.fact(LIMITED_FACT, current_user.id)
    if known is not viewer_facts.MISSING:  # read with the user: "12x2,40x1" in no particular order
        rows = [tuple(int(n) for n in part.split("x")) for part in (known or "").split(",") if part]
    else:
        rows = db.session.execute(  # by the purchases' primary key (deal, shopper)
            select(DealPurchase.deal_id, DealPurchase.quantity)
            .where(DealPurchase.deal_id.in_(deal_ids), DealPurchase.shopper_id == current_user.id,
                   DealPurchase.quantity > 0)
        ).all()
    return ",".join(f"{deal_id}x{quantity}" for deal_id, quantity in sorted(rows))


LIMITED_FACT = "festival_limited_purchases"


def limited_purchases_fact(user_id: ColumnElement) -> ColumnElement:
    """The user's units of limited deals whose wave is not over (`limited_deal_params`), as one "12x2,40x1"
    string read with the signed-in user (`core.viewer_facts`)."""
    part = cast(DealPurchase.deal_id, String) + literal("x") + cast(DealPurchase.quantity, String)
    deals = bindparam("limited_deal_ids", expanding=True)
    return select(viewer_facts.joined(part)).where(
        DealPurchase.deal_id.in_(deals), DealPurchase.shopper_id == user_id, DealPurchase.quantity > 0
    ).scalar_subquery()


def limited_deal_params() -> dict:
    return {"limited_deal_ids": current_app.extensions["festival_limited_deals"].current(page_cache())}


SAVED_FACT, REMINDED_FACT = "festival_saved_deals", "festival_reminders"


def saved_deals_fact(user_id: ColumnElement) -> ColumnElement:
    """The deals a user saved, as "12,40" read with the signed-in user (`core.viewer_facts`)."""
    return select(viewer_facts.joined(cast(Reminder.deal_id, String))).where(
        Reminder.user_id == user_id, Reminder.deal_id.is_not(None)).scalar_subquery()


def reminded_festivals_fact(user_id: ColumnElement) -> ColumnElement:
    """The festivals a user asked to be reminded of, as "3,5" read with the signed-in user."""
    return select(viewer_facts.joined(cast(Reminder.festival_id, String))).where(
        Reminder.user_id == user_id, Reminder.deal_id.is_(None)).scalar_subquery()


def reminded_festivals() -> set[int]:
    """The festivals the current viewer asked to be reminded of (none for a visitor)."""
    if not current_user.is_authenticated:
        return set()
    known = viewer_facts.fact(REMINDED_FACT, current_user.id)
    if known is not viewer_facts.MISSING:
        return viewer_facts.ids_of(known)
    return set(db.session.scalars(select(Reminder.festival_id).where(
        Reminder.user_id == current_user.id, Reminder.deal_id.is_(None))))


def saved_deals() -> set[int]:
    """The deals the current viewer saved (none for a visitor)."""
    if not current_user.is_authenticated:
        return set()
    known = viewer_facts.fact(SAVED_FACT, current_user.id)
    if known is not viewer_facts.MISSING:
        return viewer_facts.ids_of(known)
    return set(db.session.scalars(select(Reminder.deal_id).where(
        Reminder.user_id == current_user.id, Reminder.deal_id.is_not(None))))


def init_app(app: Flask) -> None:
    """Keep cached pages true to festival prices, boundaries, countdowns and each shopper's own deals."""
    marker = app.extensions["festival_countdown_marker"] = _countdown_marker(app)
    add_page_filler(app, countdown_filler(marker))
    app.add_template_global(countdown_fields, "countdown_fields")
    watch_tables(app, *FESTIVAL_TABLES)
    app.extensions["festival_limited_deals"] = LimitedDeals()
    vary_signed_in_pages_by(app, limited_purchases)
    viewer_facts.register_fact(app, LIMITED_FACT, limited_purchases_fact, limited_deal_params)
    viewer_facts.register_fact(app, SAVED_FACT, saved_deals_fact)
    viewer_facts.register_fact(app, REMINDED_FACT, reminded_festivals_fact)
    viewer_switch(app, "saved_deal", saved_deals)
    viewer_switch(app, "festival_reminder", reminded_festivals)
    units = app.extensions["festival_units_marker"] = _countdown_marker(app).replace("srm-cd-", "srm-left-")
    add_page_filler(app, units_left_filler(units))
    app.add_template_global(units_left, "deal_units_left")
    app.add_template_global(price_units_left, "deal_price_units_left")
    init_fragments(app)
    tracker = BoundaryTracker()
    app.extensions["festival_boundaries"] = tracker

    @app.before_request
    def refresh_pages_at_festival_boundaries() -> None:
        cache = page_cache()
        if not cache.enabled:
            return
        try:
            if tracker.crossed(clock.now(), cache):
                cache.bump()
        except Exception:  # noqa: BLE001 - pages then expire by time, as after any cache outage
            current_app.logger.warning("festival boundary check failed", exc_info=True)

