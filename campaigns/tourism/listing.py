"""Experiences shoppers can find: the "Visit Africa" page (by country, with the next departures) and a country
pavilion's tourism section. Only published experiences of approved stores are listed."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from campaigns.tourism.calendar import priced_departure
from campaigns.tourism.models import Departure, DepartureStatus, Experience
from marketplace.accounts.models import User
from marketplace.catalog.models import Product, ProductKind
from marketplace.catalog.services import ProductCard, product_cards, visible_conditions, visible_products
from marketplace.core.clock import to_utc
from marketplace.extensions import db

UPCOMING_LIMIT = 12


@dataclass(frozen=True)
class CountryExperiences:
    country_code: str
    cards: list[ProductCard]


def visible_experiences(country_code: str | None = None, limit: int | None = None) -> list[Product]:
    """Published experiences of approved stores (of one country when given), newest first."""
    query = visible_products(country_code).where(Product.kind == ProductKind.EXPERIENCE) \
        .order_by(Product.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query).unique())


def experiences_by_country(language, shopper: User | None, display_currency: str | None) -> list[CountryExperiences]:
    """Every visible experience as a card, grouped by the store's country (countries with most first)."""
    products = visible_experiences()
    cards = product_cards(products, language, shopper, display_currency)
    groups: dict[str, list[ProductCard]] = {}
    for card in cards:
        groups.setdefault(card.country_code, []).append(card)
    return [CountryExperiences(code, group)
            for code, group in sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))]


def country_experiences(country_code: str, language, shopper: User | None,
                        display_currency: str | None) -> list[ProductCard]:
    """A pavilion's experiences as cards."""
    return product_cards(visible_experiences(country_code), language, shopper, display_currency)


def upcoming_departures(now: datetime, limit: int = UPCOMING_LIMIT) -> list[Departure]:
    """The next departures of visible experiences that still take bookings and have seats, soonest first."""
    visible = select(Product.id).where(Product.kind == ProductKind.EXPERIENCE, *visible_conditions())
    rows = db.session.scalars(
        select(Departure).join(Departure.option).join(Experience, Experience.id == Departure.experience_id)
        .join(Experience.product).options(contains_eager(Departure.option))
        .where(Experience.product_id.in_(visible), priced_departure(),
               Departure.status == DepartureStatus.SCHEDULED,
               Departure.starts_at > to_utc(now), Departure.seats_sold + Departure.seats_held < Departure.capacity)
        .order_by(Departure.starts_at, Departure.id).limit(limit * 3)
    ).unique().all()
    return [row for row in rows if row.closes_at > to_utc(now)][:limit]
