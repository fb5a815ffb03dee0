"""The one price function: what a product costs a shopper at an instant.

Catalogue pages, search results, the cart, checkout and the API all ask `quote_prices`. Other
packages (the campaign's festivals) add offers by registering a price rule at start-up; a rule sees
a batch of products, so a page of 24 products costs one rule query, not 24.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from flask import Flask, current_app

from marketplace.core import clock
from marketplace.core.money import Money
from marketplace.orders.holds.refs import HoldRef

if TYPE_CHECKING:
    from marketplace.accounts.models import User
    from marketplace.catalog.models import Product


@dataclass(frozen=True)
class OfferLimit:
    """How many units of an offer a shopper may still have: their own limit and the offer's cap."""

    per_shopper: int | None  # the most one shopper may buy at the offer's price; None: no limit
    bought: int  # units the shopper already holds at that price
    left: int | None  # units left under the offer's cap; None: no cap

    @property
    def allowance(self) -> int | None:
        """Units the shopper may still have at the offer's price (None: as many as they like)."""
        room = [n for n in (self.left, None if self.per_shopper is None else self.per_shopper - self.bought)
                if n is not None]
        return max(0, min(room)) if room else None

    @property
    def by_shopper_limit(self) -> bool:
        """Whether the shopper's own limit, rather than the cap, is what bounds the allowance."""
        if self.per_shopper is None:
            return False
        return self.left is None or self.per_shopper - self.bought <= self.left


@dataclass(frozen=True)
class Offer:
    """A price below the regular one that a rule grants, with where it comes from and until when."""

    price: Money
    source: str
    ends_at: datetime | None = None
    hold: HoldRef | None = None  # the offer's limited units that checkout must take (marketplace/orders/holds)
    limit: OfferLimit | None = None  # how many units the shopper may still have at this price


@dataclass(frozen=True)
class PriceQuote:
    price: Money  # what the shopper pays now
    regular: Money
    offer: Offer | None = None

    @property
    def discounted(self) -> bool:
        return self.offer is not None


class PriceRule(Protocol):
    def __call__(
        self, products: Sequence[Product], shopper: User | None, at: datetime
    ) -> Mapping[int, Offer]: ...


def register_price_rule(app: Flask, rule: PriceRule) -> None:
    """Make `rule` part of every price `app` quotes from now on."""
    app.extensions.setdefault("price_rules", []).append(rule)


def quote_prices(
    products: Sequence[Product], shopper: User | None = None, at: datetime | None = None
) -> dict[int, PriceQuote]:
    """The price of each product (by id) for `shopper` at `at` (now): the lowest valid offer wins."""
    at = at or clock.now()
    rules: list[Callable] = current_app.extensions.get("price_rules", []) if products else []
    offers: dict[int, Offer] = {}
    for rule in rules:
        for product_id, offer in rule(products, shopper, at).items():
            best = offers.get(product_id)
            if best is None or offer.price.amount < best.price.amount:
                offers[product_id] = offer
    quotes = {}
    for product in products:
        regular = product.price
        offer = offers.get(product.id)
        if offer is not None and (offer.price.currency != regular.currency or not offer.price < regular):
            offer = None  # a rule may only lower a price, never raise it or change its currency
        quotes[product.id] = PriceQuote(offer.price if offer else regular, regular, offer)
    return quotes


def quote_price(product: Product, shopper: User | None = None, at: datetime | None = None) -> PriceQuote:
    """The price of one product for `shopper` at `at`."""
    return quote_prices([product], shopper, at)[product.id]


class FreeShippingRule(Protocol):
    def __call__(self, sources: Collection[str], at: datetime) -> Collection[str]: ...


def register_free_shipping_rule(app: Flask, rule: FreeShippingRule) -> None:
    """Make `rule` decide, from now on, which offers (by source, e.g. "festival:coffee-week") ship free."""
    app.extensions.setdefault("free_shipping_rules", []).append(rule)


def free_shipping_sources(sources: Collection[str], at: datetime | None = None) -> set[str]:
    """Those of the offers' `sources` whose deal makes a store's shipping free at `at` (now)."""
    at = at or clock.now()
    rules: list[Callable] = current_app.extensions.get("free_shipping_rules", []) if sources else []
    free: set[str] = set()
    for rule in rules:
        free.update(source for source in rule(sources, at) if source in sources)
    return free
