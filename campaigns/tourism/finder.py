"""Finding an experience: words, country, length, a month with a bookable date, and a guide's language.

Words go through the catalogue's search index (any of the six languages finds an experience written in
another, like any product), restricted to the tourism category; the four facets are read from the
experiences' own rows, each counted under the other chosen facets so a shopper sees how many each choice
leaves. A month counts an experience when one of its departures in that month still takes bookings and has
seats (its cutoff checked in Python for the departures close enough for a cutoff to matter).
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from babel import Locale
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import extract, select

from campaigns.tourism.calendar import priced_departure
from campaigns.tourism.departures import MAX_CUTOFF_HOURS
from campaigns.tourism.models import Departure, DepartureStatus, Experience
from marketplace.accounts.models import User
from marketplace.catalog.models import Product, ProductKind
from marketplace.catalog.services import ProductCard, country_name, product_cards, visible_conditions, visible_products
from marketplace.core.clock import to_utc
from marketplace.core.errors import NotFound
from marketplace.extensions import db
from marketplace.search.catalogue import SearchRequest, search_ids
from marketplace.search.port import SearchFilters
from marketplace.vendors.models import Store

PER_PAGE = 24
MONTHS_AHEAD = 12
MAX_WORD_MATCHES = 500  # experiences matched by words, best first; more words narrow it
TOURISM_CATEGORY = "tourism"
# (value, label, shortest minutes, longest minutes): how long an experience lasts, as a shopper plans a day.
DURATION_BANDS = (
    ("short", _l("Up to 4 hours"), 0, 240),
    ("day", _l("Up to a day"), 241, 1440),
    ("days", _l("2 to 3 days"), 1441, 4320),
    ("long", _l("More than 3 days"), 4321, None),
)
FACETS = ("country", "duration", "month", "guide")


@dataclass(frozen=True)
class FinderQuery:
    """What the shopper asked for; facets left empty are not filtered on."""

    text: str = ""
    country: str = ""
    duration: str = ""
    month: str = ""  # "2027-02"
    guide: str = ""  # a language code
    page: int = 1

    def chosen(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in FACETS if getattr(self, name)}


@dataclass(frozen=True)
class FacetChoice:
    value: str
    label: str
    count: int
    chosen: bool


@dataclass
class FinderResult:
    query: FinderQuery
    cards: list[ProductCard]
    total: int
    facets: dict[str, list[FacetChoice]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # values that were not understood, and were left out

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / PER_PAGE))


@dataclass(frozen=True)
class _Row:
    experience_id: int
    product_id: int
    country: str
    duration: str
    guides: tuple[str, ...]


def _band(minutes: int) -> str:
    for value, _label, low, high in DURATION_BANDS:
        if minutes >= low and (high is None or minutes <= high):
            return value
    return DURATION_BANDS[-1][0]


def upcoming_months(today: date) -> list[str]:
    """This month and the next ones a shopper can choose, as "YYYY-MM"."""
    months, year, month = [], today.year, today.month
    for _step in range(MONTHS_AHEAD):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def parse_finder(args: Mapping[str, str], today: date) -> tuple[FinderQuery, list[str]]:
    """The query from a page's arguments, and a note (in the page's language) for each value not understood,
    which is left out rather than refused; NotFound for a page number that is not a positive whole number."""
    notes = []
    page_text = (args.get("page") or "1").strip()
    if not page_text.isdecimal() or not 0 < int(page_text) <= 1000:
        raise NotFound(_("There is no such page."))
    country = (args.get("country") or "").strip().upper()
    if country and (len(country) != 2 or not country.isalpha()):
        notes.append(_("That country is not one we know; showing every country."))
        country = ""
    duration = (args.get("duration") or "").strip()
    if duration and duration not in {band[0] for band in DURATION_BANDS}:
        notes.append(_("That length is not one of the choices; showing every length."))
        duration = ""
    month = (args.get("month") or "").strip()
    if month and month not in upcoming_months(today):
        notes.append(_("Choose a month from this one to a year ahead; showing every month."))
        month = ""
    guide = (args.get("guide") or "").strip().lower()
    if guide and (not guide.isalpha() or not 2 <= len(guide) <= 3):
        notes.append(_("That language is not one we know; showing every language."))
        guide = ""
    text = " ".join((args.get("q") or "").split())[:200]
    return FinderQuery(text, country, duration, month, guide, int(page_text)), notes


def _experience_rows() -> list[_Row]:
    visible = select(Product.id).where(Product.kind == ProductKind.EXPERIENCE, *visible_conditions())
    rows = db.session.execute(
        select(Experience.id, Experience.product_id, Store.country_code, Experience.duration_minutes,
               Experience.guide_languages)
        .join(Product, Product.id == Experience.product_id).join(Store, Store.id == Product.store_id)
        .where(Experience.product_id.in_(visible))
    ).all()
    return [_Row(exp_id, product_id, country, _band(minutes), tuple(code for code in guides.split(",") if code))
            for exp_id, product_id, country, minutes, guides in rows]


def _bookable_months(now: datetime) -> dict[str, set[int]]:
    """Experience ids by "YYYY-MM" of a departure that still takes bookings and has seats."""
    now = to_utc(now)
    open_seats = [Departure.status == DepartureStatus.SCHEDULED, priced_departure(),
                  Departure.seats_sold + Departure.seats_held < Departure.capacity]
    far = now + timedelta(hours=MAX_CUTOFF_HOURS)  # no cutoff reaches a departure after this
    months: dict[str, set[int]] = {}
    year, month = extract("year", Departure.local_date), extract("month", Departure.local_date)
    for experience_id, in_year, in_month in db.session.execute(
            select(Departure.experience_id, year, month).where(*open_seats, Departure.starts_at > far).distinct()):
        months.setdefault(f"{int(in_year):04d}-{int(in_month):02d}", set()).add(experience_id)
    for experience_id, local_date, starts_at, cutoff in db.session.execute(
            select(Departure.experience_id, Departure.local_date, Departure.starts_at, Departure.cutoff_hours)
            .where(*open_seats, Departure.starts_at > now, Departure.starts_at <= far)):
        if to_utc(starts_at) - timedelta(hours=cutoff) > now:
            months.setdefault(f"{local_date.year:04d}-{local_date.month:02d}", set()).add(experience_id)
    return months


def _matches(row: _Row, query: FinderQuery, months: dict[str, set[int]], skip: str = "") -> bool:
    return ((skip == "country" or not query.country or row.country == query.country)
            and (skip == "duration" or not query.duration or row.duration == query.duration)
            and (skip == "month" or not query.month or row.experience_id in months.get(query.month, ()))
            and (skip == "guide" or not query.guide or query.guide in row.guides))


def _language_label(code: str, locale: str) -> str:
    try:
        name = Locale.parse(locale).languages.get(code)
    except (ValueError, TypeError):
        name = None
    return name or code


def _facets(rows: list[_Row], query: FinderQuery, months: dict[str, set[int]], today: date,
            language: str) -> dict[str, list[FacetChoice]]:
    def among(skip: str) -> list[_Row]:
        return [row for row in rows if _matches(row, query, months, skip)]

    countries: dict[str, int] = {}
    for row in among("country"):
        countries[row.country] = countries.get(row.country, 0) + 1
    durations: dict[str, int] = {}
    for row in among("duration"):
        durations[row.duration] = durations.get(row.duration, 0) + 1
    guides: dict[str, int] = {}
    for row in among("guide"):
        for code in row.guides:
            guides[code] = guides.get(code, 0) + 1
    in_months = {row.experience_id for row in among("month")}
    facets = {
        "country": sorted((FacetChoice(code, country_name(code, language), count, code == query.country)
                           for code, count in countries.items()), key=lambda choice: choice.label),
        "duration": [FacetChoice(value, str(label), durations.get(value, 0), value == query.duration)
                     for value, label, _low, _high in DURATION_BANDS],
        "month": [],
        "guide": sorted((FacetChoice(code, _language_label(code, language), count, code == query.guide)
                         for code, count in guides.items()), key=lambda choice: (-choice.count, choice.label)),
    }
    for value in upcoming_months(today):
        first = date(int(value[:4]), int(value[5:]), 1)
        facets["month"].append(FacetChoice(value, format_date(first, "LLLL y"),
                                           len(months.get(value, set()) & in_months), value == query.month))
    return facets


def find_experiences(query: FinderQuery, now: datetime, today: date, language: str | Sequence[str],
                     shopper: User | None, display_currency: str | None) -> FinderResult:
    """The experiences matching the query, a page of them as cards (best word matches first, else the newest),
    with each facet's choices counted; NotFound for a page past the last."""
    page_language = language if isinstance(language, str) else language[0]
    rows = _experience_rows()
    if query.text:
        ranked = search_ids(SearchRequest(text=query.text, language=page_language,
                                          filters=SearchFilters(category=TOURISM_CATEGORY),
                                          per_page=MAX_WORD_MATCHES)).ids
        rank = {product_id: position for position, product_id in enumerate(ranked)}
        rows = sorted((row for row in rows if row.product_id in rank), key=lambda row: rank[row.product_id])
    else:
        rows.sort(key=lambda row: -row.product_id)
    months = _bookable_months(now)
    found = [row for row in rows if _matches(row, query, months)]
    pages = max(1, math.ceil(len(found) / PER_PAGE))
    if query.page > pages:
        raise NotFound(_("There is no such page."))
    chosen = [row.product_id for row in found[(query.page - 1) * PER_PAGE: query.page * PER_PAGE]]
    products = {p.id: p for p in db.session.scalars(visible_products().where(Product.id.in_(chosen))).unique()}
    cards = product_cards([products[i] for i in chosen if i in products], language, shopper, display_currency)
    return FinderResult(query, cards, len(found), _facets(rows, query, months, today, page_language))
