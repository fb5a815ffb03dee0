"""What festival pages show: deal cards priced by the one price function, times in two zones, countdowns."""
from __future__ import annotations

import functools
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import NamedTuple

from babel.units import format_unit
from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from campaigns.festivals import phases
from campaigns.festivals.models import Deal, DealStatus, Festival, Wave
from campaigns.festivals.phases import Phase
from marketplace.accounts.models import User
from marketplace.catalog.currency import shopper_display_prices
from marketplace.catalog.models import Product, ProductKind
from marketplace.catalog.services import LocalText, localized
from marketplace.core import clock
from marketplace.core.clock import to_utc
from marketplace.core.i18n import LANGUAGES, current_language
from marketplace.core.money import Money
from marketplace.core.page_cache import page_cache, rendering_for_cache
from marketplace.core.zones import format_wall_time, same_day, zone_info, zone_name
from marketplace.extensions import db
from marketplace.orders.holds.lapsed import release_expired_reservations
from marketplace.orders.pricing import quote_prices


@dataclass(frozen=True)
class DealFace:
    """What a deal card shows that changes only when the catalogue or the festival is edited:
    product name, link, picture, store and wave, with its HTML rendered once."""

    slug: str
    name: LocalText
    wave_number: int
    html: Markup


@dataclass(frozen=True)
class DealCard:
    deal_id: int
    face: DealFace
    regular: Money
    festival_price: Money | None  # shown only while the one price function grants it
    cap: int
    sold: int
    live: bool
    saved: bool | None  # None: a page kept by the page cache, where each viewer's own is filled in
    product_id: int = 0
    per_shopper_limit: int | None = None
    experience: bool = False  # booked by date on its own page; `cap` is seats per date

    @property
    def product_slug(self) -> str:
        return self.face.slug

    @property
    def name(self) -> LocalText:
        return self.face.name

    @property
    def wave_number(self) -> int:
        return self.face.wave_number

    @property
    def left(self) -> int:
        return max(0, self.cap - self.sold)

    @property
    def sold_out(self) -> bool:
        return self.sold >= self.cap

    @property
    def discount_percent(self) -> int | None:
        """Whole percent off the regular price while the festival price applies (at least 1), else None."""
        if self.festival_price is None or self.festival_price.currency != self.regular.currency:
            return None
        if self.regular.amount <= 0 or self.festival_price.amount >= self.regular.amount:
            return None
        return max(1, (100 * (self.regular.amount - self.festival_price.amount)) // self.regular.amount)


class PricedProduct(NamedTuple):
    """The part of a product the price function reads: its id and regular price."""

    id: int
    price: Money


class FragmentCache:
    """Rendered pieces of deal cards by key, kept while the page cache's version holds and at most
    `PAGE_CACHE_SECONDS`; without a page cache (tests, PAGE_CACHE_SECONDS=0) nothing is kept."""

    def __init__(self) -> None:
        self.entries: dict[tuple, tuple[float, object, object]] = {}
        self.lock = threading.Lock()

    def get_many(self, keys: list[tuple], version: object) -> dict[tuple, object]:
        now = time.monotonic()
        with self.lock:
            found = {}
            for key in keys:
                entry = self.entries.get(key)
                if entry is not None and entry[0] > now and entry[1] == version:
                    found[key] = entry[2]
            return found

    def put_many(self, faces: dict[tuple, object], version: object, seconds: float) -> None:
        expires = time.monotonic() + seconds
        with self.lock:
            if len(self.entries) > 20_000:
                self.entries.clear()
            for key, face in faces.items():
                self.entries[key] = (expires, version, face)


class Fragments(NamedTuple):
    """One application's kept pieces of deal cards (like its page cache, never shared with another app)."""

    faces: FragmentCache  # (deal id, language) -> DealFace
    cards: FragmentCache  # (deal id, language, everything the card shows) -> its <li>


class Kept(NamedTuple):
    fragments: Fragments
    version: int  # the page cache's: a catalogue change makes every kept fragment stale
    seconds: float


def init_fragments(app: Flask) -> None:
    app.extensions["festival_fragments"] = Fragments(FragmentCache(), FragmentCache())


def _kept() -> Kept | None:
    """This application's fragments with the page cache version they must match; None without a page cache."""
    cache = page_cache()
    seconds = float(current_app.config.get("PAGE_CACHE_SECONDS", 0))
    fragments = current_app.extensions.get("festival_fragments")
    if not cache.enabled or seconds <= 0 or fragments is None:
        return None
    try:
        return Kept(fragments, cache.version(), seconds)
    except Exception:  # noqa: BLE001 - without the version nothing is reused
        return None


def deal_faces(festival: Festival, deal_ids: list[int], reading: Sequence[str]) -> dict[int, DealFace]:
    """The face of each deal for a reader of the `reading` languages (the page's first), rendered on
    first use and reused until the catalogue changes."""
    kept = _kept()
    reading = tuple(reading)
    language = reading[0]
    keys = [(deal_id, reading) for deal_id in deal_ids]
    found = kept.fragments.faces.get_many(keys, kept.version) if kept else {}
    missing = [deal_id for deal_id in deal_ids if (deal_id, reading) not in found]
    if missing:
        numbers = {w.id: i + 1 for i, w in enumerate(sorted(festival.waves, key=lambda w: to_utc(w.starts_at)))}
        deals = db.session.scalars(
            select(Deal).where(Deal.id.in_(missing))
            .options(selectinload(Deal.product).selectinload(Product.store))
        ).all()
        template = current_app.jinja_env.get_template("festivals/_deal_face.html")
        made = {}
        with force_locale(language):
            made = _render_faces(template, deals, numbers, reading)
        if kept:
            kept.fragments.faces.put_many(made, kept.version, kept.seconds)
        found.update(made)
    return {deal_id: found[(deal_id, reading)] for deal_id in deal_ids if (deal_id, reading) in found}


def _render_faces(template, deals, numbers: dict[int, int], reading: tuple[str, ...]) -> dict[tuple, DealFace]:
    made = {}
    language = reading[0]
    for deal in deals:
        name = localized(deal.product.texts, reading, deal.product.original_language, "name")
        number = numbers.get(deal.wave_id, 1)
        # The template autoescapes every value it writes, so its output is safe markup.
        html = Markup(template.render(product=deal.product, name=name, wave_number=number, waves=len(numbers),  # noqa: S704
                                      lang=LANGUAGES.get(language, LANGUAGES["en"]), languages=LANGUAGES))
        made[(deal.id, reading)] = DealFace(deal.product.slug, name, number, html)
    return made


def deal_cards(festival: Festival, shopper: User | None, language: str | Sequence[str], at: datetime,
               saved: set[int] = frozenset(), first: int | None = None) -> list[DealCard]:
    """The festival's approved deals as cards, priced by the one price function at `at`: the festival
    price only where `quote_prices` grants this festival's offer (live window, units left, shopper's limit).
    `language` is the page's language or the reader's languages in order (see `reading_order`). With
    `first`, only that many of the waves not yet over: on sale now first, then those still to open,
    sold-out ones last. Units held by unpaid orders whose reservation lapsed by `at` are given back first."""
    release_expired_reservations(at)
    rows = db.session.execute(
        select(Deal.id, Deal.wave_id, Deal.cap, Deal.sold, Product.id, Product.price_amount, Product.currency,
               Deal.per_shopper_limit, Product.kind)
        .join(Product, Deal.product_id == Product.id)
        .where(Deal.festival_id == festival.id, Deal.status == DealStatus.APPROVED)
        .order_by(Deal.wave_id, Deal.id)
    ).all()
    if not rows:
        return []
    live = {w.id: phases.deal_is_live(festival, w, at) for w in festival.waves}
    if first is not None:  # a strip: deals of waves already over are left out
        over = {w.id for w in festival.waves if to_utc(w.ends_at) <= at}
        rows = sorted((row for row in rows if row[1] not in over),
                      key=lambda row: (row[3] >= row[2], not live[row[1]]))[:first]
        if not rows:
            return []
    products = {row[4]: PricedProduct(row[4], Money(row[5], row[6])) for row in rows}
    quotes = quote_prices(list(products.values()), shopper, at)
    faces = deal_faces(festival, [row[0] for row in rows], (language,) if isinstance(language, str) else language)
    source = f"festival:{festival.slug}"
    cards = []
    for deal_id, wave_id, cap, sold, product_id, _amount, _currency, limit, kind in rows:
        quote = quotes[product_id]
        granted = quote.offer is not None and quote.offer.source == source
        cards.append(DealCard(
            deal_id=deal_id, face=faces[deal_id], regular=quote.regular,
            festival_price=quote.price if granted else None, cap=cap, sold=sold,
            live=live[wave_id], saved=deal_id in saved, product_id=product_id, per_shopper_limit=limit,
            experience=kind == ProductKind.EXPERIENCE,
        ))
    return cards


def deal_grid(cards: list[DealCard], phase: Phase) -> Markup:
    """The cards' HTML: each card rendered once per state it shows (price, units left, saved) and
    reused while the catalogue is unchanged, so a page of hundreds of deals costs little to serve."""
    language = current_language().code
    before_opening = phase in (Phase.WARM_UP, Phase.INTERVAL)
    caching = rendering_for_cache()
    if caching:  # kept for every viewer: each response keeps its viewer's "Saved" or button, and units left
        cards = [replace(card, saved=None) for card in cards]
    prices = shopper_display_prices()  # the shopper's display currency, as on every other page
    keys = [(c.deal_id, language, before_opening, c.live, c.saved, c.sold_out if caching else c.sold, c.cap,
             c.per_shopper_limit, c.experience,
             c.regular.amount, c.festival_price.amount if c.festival_price else None, id(c.face), prices.currency)
            for c in cards]
    kept = _kept()
    found = kept.fragments.cards.get_many(keys, kept.version) if kept else {}
    missing = {key: card for key, card in zip(keys, cards, strict=True) if key not in found}
    if missing:
        template = current_app.jinja_env.get_template("festivals/_deal_card.html")
        page = {"before_opening": before_opening, "lang": LANGUAGES[language], "languages": LANGUAGES}
        made = {key: template.render(card=card, regular=prices.price(card.regular),
                                     festival_price=prices.price(card.festival_price) if card.festival_price else None,
                                     **page)
                for key, card in missing.items()}
        if kept:
            kept.fragments.cards.put_many(made, kept.version, kept.seconds)
        found.update(made)
    return Markup("".join(found[key] for key in keys))  # noqa: S704 - rendered by autoescaping templates


@dataclass(frozen=True)
class ProductFestival:
    """A festival deal to mention on a product page: on sale now, or coming in a warm-up."""

    festival: Festival
    deal: Deal
    live: bool
    target: datetime  # when it ends (live) or opens (coming)


def product_festival(product: Product, at: datetime | None = None) -> ProductFestival | None:
    """The product's live deal, else its next deal whose festival is in warm-up; None otherwise."""
    at = at or clock.now()
    deals = db.session.scalars(
        select(Deal).join(Wave, Deal.wave_id == Wave.id)
        .where(Deal.product_id == product.id, Deal.status == DealStatus.APPROVED, Wave.ends_at > at)
        .options(selectinload(Deal.festival), selectinload(Deal.wave)).order_by(Wave.starts_at).limit(3)
    ).all()
    for deal in deals:
        phase = phases.phase_at(deal.festival, at)
        if phases.deal_is_live(deal.festival, deal.wave, at) and deal.sold < deal.cap:
            return ProductFestival(deal.festival, deal, True, to_utc(deal.wave.ends_at))
        if phase in (Phase.WARM_UP, Phase.LIVE, Phase.INTERVAL) and to_utc(deal.wave.starts_at) > at:
            return ProductFestival(deal.festival, deal, False, to_utc(deal.wave.starts_at))
    return None


@functools.lru_cache(maxsize=2048)
def days_text(days: int, language: str) -> str:
    """A number of days as a countdown writes it in `language`, word order included: "3d", "3j",
    "siku 3", "3天" (Babel's narrow unit pattern). Kept per (days, language): every countdown on every
    response of a kept page writes one, and Babel's formatting is most of a countdown's cost."""
    return format_unit(days, "duration-day", length="narrow", locale=language)


def countdown_parts(now: datetime, target: datetime) -> tuple[int, str]:
    """(whole days, "HH:MM:SS") from `now` until `target`, never negative."""
    seconds = max(0, int((to_utc(target) - to_utc(now)).total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    return days, f"{hours:02d}:{minutes:02d}:{seconds:02d}"


def time_in_zone(instant: datetime, zone: str, language: str) -> str:
    """`instant` as a short date and time on the clocks of `zone`, written for a reader of `language`."""
    return format_wall_time(instant, zone, language)


def festival_times(start: datetime, end: datetime | None, festival_zone: str, reader_zone: str,
                   language: str) -> str:
    """An instant (or a window from `start` to `end`) on the festival's clocks with the zone named, then,
    when the reader's zone differs, on theirs: "Wed, Dec 2, 8:00 PM Nairobi Time · 1:00 AM your time"."""
    def span(zone: str, dated: bool) -> str:
        first = format_wall_time(start, zone, language, dated or end is not None)
        return first if end is None else f"{first} – {format_wall_time(end, zone, language, not same_day_span(zone))}"

    def same_day_span(zone: str) -> bool:
        return end is not None and to_utc(start).astimezone(zone_info(zone)).date() == \
            to_utc(end).astimezone(zone_info(zone)).date()

    with force_locale(language):
        text = _("%(time)s %(zone)s", time=span(festival_zone, True), zone=zone_name(festival_zone, language))
        if zone_info(reader_zone).key == zone_info(festival_zone).key:
            return text
        dated = end is not None or not same_day(start, festival_zone, reader_zone)
        yours = _("%(time)s your time", time=span(reader_zone, dated))
        return f"{text} · {yours}"


def festival_name(festival: Festival, language: str | Sequence[str]) -> LocalText:
    """The festival's name for a reader of `language` (one code or a reading order)."""
    return localized(festival.texts, language, festival.original_language, "name")


def festival_theme(festival: Festival, language: str | Sequence[str]) -> LocalText:
    """The festival's theme for a reader of `language`, from the texts that have one ("" when none has)."""
    return localized([t for t in festival.texts if t.theme], language, festival.original_language, "theme")


def festival_description(festival: Festival, language: str | Sequence[str]) -> LocalText:
    """The festival's description for a reader of `language` (one code or a reading order)."""
    return localized(festival.texts, language, festival.original_language, "description")
