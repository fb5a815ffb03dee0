"""Catalogue reads for shoppers: listings, product pages, product cards, and exchange rates."""
from __future__ import annotations

import functools
import math
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Generic, TypeVar

from babel import Locale
from babel.numbers import get_currency_name
from flask import current_app, g
from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import contains_eager, selectinload

from marketplace.accounts.models import User
from marketplace.catalog.currency import DisplayPrices, ShownPrice
from marketplace.catalog.currency import RateTable as RateTable
from marketplace.catalog.currency import exchange_rates as exchange_rates
from marketplace.catalog.listing import ListedProduct, load_listed
from marketplace.catalog.models import (
    Category,
    Country,
    ExchangeRate,
    Product,
    ProductImage,
    ProductStatus,
)
from marketplace.core.errors import NotFound, ValidationError
from marketplace.core.i18n import pick_translation
from marketplace.core.money import MoneyError, normalise_currency
from marketplace.extensions import db
from marketplace.orders.holds.lapsed import release_expired_reservations
from marketplace.orders.pricing import PriceQuote, quote_prices
from marketplace.vendors.models import Store, StoreStatus

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


@dataclass(frozen=True)
class LocalText:
    """A text with the language it is actually written in (which may be a fallback)."""

    text: str
    language: str


@dataclass(frozen=True)
class ProductCard:
    id: int
    slug: str
    name: LocalText
    store_name: str
    store_slug: str
    country_code: str
    quote: PriceQuote
    shown: ShownPrice  # the price in the shopper's display currency (see catalog/currency.py)
    cover: ProductImage | None
    stock: int
    is_campaign: bool
    is_experience: bool = False  # booked by departure: no stock figure, a price "from"
    rating_count: int = 0  # shown reviews, kept on the product row (marketplace/reviews)
    rating_average: float | None = None


def slugify(text: str, fallback: str = "item") -> str:
    """An ASCII, lower-case, hyphenated slug of `text` (accents dropped); `fallback` when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = "".join(ch.lower() if ch.isalnum() else " " for ch in ascii_text).split()
    return "-".join(words)[:80].strip("-") or fallback


def visible_conditions(country_code: str | None = None) -> list:
    """WHERE conditions for published products of approved stores (of one country, when given).

    The store test is an IN over the approved stores rather than a condition on the joined store,
    so the databases walk the products' own indexes: at 100,000 products a pavilion's count takes
    0.3 ms this way and 100 ms the other.
    """
    stores = select(Store.id).where(Store.status == StoreStatus.APPROVED)
    if country_code is not None:
        stores = stores.where(Store.country_code == country_code)
    return [Product.status == ProductStatus.PUBLISHED, Product.store_id.in_(stores)]


def visible_products(country_code: str | None = None) -> Select:
    """Published products of approved stores, with their store loaded by the same join."""
    return (
        select(Product)
        .join(Product.store)
        .where(*visible_conditions(country_code))
        .options(contains_eager(Product.store), selectinload(Product.texts), selectinload(Product.images))
    )


def list_products(
    *,
    page: int = 1,
    per_page: int = 24,
    category: Category | None = None,
    store: Store | None = None,
    country_code: str | None = None,
    featured: bool | None = None,
) -> Page[ListedProduct]:
    """One page of visible products, newest first, read as rows (see `listing.load_listed`); NotFound for a
    page past the last one."""
    conditions = visible_conditions(country_code)
    if category is not None:
        conditions.append(Product.category_id == category.id)
    if store is not None:
        conditions.append(Product.store_id == store.id)
    if featured is not None:
        conditions.append(Product.featured.is_(featured))
    total = db.session.scalar(select(func.count(Product.id)).where(*conditions)) or 0
    page_obj = _page_bounds(page, per_page, total)
    ids = db.session.scalars(
        select(Product.id).where(*conditions).order_by(Product.id.desc())
        .limit(per_page).offset((page_obj.number - 1) * per_page)
    ).all()
    return Page(load_listed(ids), page_obj.number, per_page, total)


def _page_bounds(page: int, per_page: int, total: int) -> Page:
    pages = max(1, math.ceil(total / per_page))
    if page < 1 or page > pages:
        raise NotFound("page out of range")
    return Page([], page, per_page, total)


def get_visible_product(slug: str) -> Product:
    """The visible product with `slug`, with store, category, texts and photos, its stock (and deal units)
    counting units that unpaid orders held past their reservation (given back first); NotFound otherwise."""
    release_expired_reservations()
    product = db.session.scalars(
        visible_products().where(Product.slug == slug).options(selectinload(Product.category))
    ).first()
    if product is None:
        raise NotFound("no such product")
    return product


def get_public_store(slug: str) -> Store:
    """The approved store with `slug`; NotFound otherwise."""
    store = db.session.scalars(
        select(Store).where(Store.slug == slug, Store.status == StoreStatus.APPROVED)
    ).first()
    if store is None:
        raise NotFound("no such store")
    return store


def get_category(slug: str) -> Category:
    category = db.session.scalars(select(Category).where(Category.slug == slug)).first()
    if category is None:
        raise NotFound("no such category")
    return category


def all_categories() -> list[Category]:
    """Every category in display order (texts loaded with them)."""
    return list(db.session.scalars(select(Category).order_by(Category.position, Category.id)))


def category_counts() -> dict[int, int]:
    """Visible products per category id."""
    rows = db.session.execute(
        select(Product.category_id, func.count(Product.id)).where(*visible_conditions()).group_by(Product.category_id)
    )
    return dict(rows.all())


def get_country(code: str) -> Country:
    country = db.session.get(Country, code.upper())
    if country is None:
        raise NotFound("no such country")
    return country


def all_countries() -> list[Country]:
    """The 54 African states."""
    return list(db.session.scalars(select(Country).order_by(Country.code)))


@functools.lru_cache(maxsize=1024)
def country_name(code: str, language: str) -> str:
    """The country's name in `language`, from Babel's territory data."""
    return Locale.parse(language).territories.get(code, code)


@functools.lru_cache(maxsize=256)
def currency_name(code: str, language: str) -> str:
    """The currency's name as a plural in `language`, from Babel ("US dollars", "美元"); the code when unknown."""
    return get_currency_name(code, count=2, locale=language) or code


def localized(texts: Iterable, language: str | Sequence[str], original: str | None, field: str) -> LocalText:
    """`field` of the text rows in the first of the reader's languages (`language`: one code, or their
    reading order) that has one, else English, else the original language (see `pick_translation`)."""
    chosen = pick_translation({t.language: t for t in texts}, language, original)
    if chosen is None:
        return LocalText("", language if isinstance(language, str) else language[0])
    return LocalText(getattr(chosen[1], field), chosen[0])


def product_cards(
    products: Sequence[Product | ListedProduct], language: str | Sequence[str], shopper: User | None,
    display_currency: str | None,
) -> list[ProductCard]:
    """What a listing shows of each product, priced by the one price function, in `display_currency`
    (None: the seller's own currency)."""
    quotes = quote_prices(products, shopper)
    prices = DisplayPrices(display_currency, current_app.config["CHARGE_CURRENCY"], exchange_rates())
    cards = []
    for product in products:
        quote = quotes[product.id]
        cards.append(
            ProductCard(
                id=product.id,
                slug=product.slug,
                name=localized(product.texts, language, product.original_language, "name"),
                store_name=product.store.name,
                store_slug=product.store.slug,
                country_code=product.store.country_code,
                quote=quote,
                shown=prices.quote(quote),
                cover=product.cover,
                stock=product.stock,
                is_campaign=product.is_campaign,
                is_experience=product.is_experience,
                rating_count=product.rating_count,
                rating_average=product.rating_average,
            )
        )
    return cards


def set_exchange_rate(base: str, quote: str, rate: str) -> ExchangeRate:
    """Store how many `quote` units one `base` unit buys; ValidationError (with the field) on a bad code or rate."""
    fields = {}
    try:
        base = normalise_currency(base)
    except MoneyError:
        fields["base"] = _("Enter a currency code such as USD, KES or XOF.")
    try:
        quote = normalise_currency(quote)
    except MoneyError:
        fields["quote"] = _("Enter a currency code such as USD, KES or XOF.")
    if not fields and base == quote:
        fields["quote"] = _("A rate needs two different currencies.")
    try:
        value = Decimal(str(rate).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not value.is_finite() or value <= 0 or value > Decimal("1e9"):
        fields["rate"] = _("Enter a positive number, such as 7.1 or 0.0016.")
    if fields:
        raise ValidationError(next(iter(fields.values())), fields)
    row = db.session.scalars(
        select(ExchangeRate).where(ExchangeRate.base == base, ExchangeRate.quote == quote)
    ).first()
    if row is None:
        row = ExchangeRate(base=base, quote=quote, rate=value)
        db.session.add(row)
    else:
        row.rate = value
    # A rate and its inverse must not disagree: the newer one replaces the older.
    inverse = db.session.scalars(
        select(ExchangeRate).where(ExchangeRate.base == quote, ExchangeRate.quote == base)
    ).first()
    if inverse is not None:
        db.session.delete(inverse)
    db.session.commit()
    g.pop("rate_table", None)
    return row


def display_currency_choices() -> list[str]:
    """Currencies a shopper can see approximate prices in: those a stored rate links."""
    return exchange_rates().currencies()
