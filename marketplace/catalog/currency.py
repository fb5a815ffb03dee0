"""Exchange rates and the shopper's display currency: one rule for every amount a shopper sees.

The rule. Shoppers are charged in one currency (`CHARGE_CURRENCY`). A vendor's price becomes a
*charged unit price* by one conversion, rounded to the charge currency's minor unit: the figure the
payment is built from. An amount shown in another currency is that charged unit price converted once
more and rounded, and marked "≈"; a line shows that figure times its quantity, and subtotals and
totals are the sums of the lines shown. So the ≈ figures of a page add up to the minor unit, and one
price shows the same ≈ figure on the product, cart, checkout and order pages. Amounts that are what
the shopper is charged, or the seller's own price, are exact and carry no mark.

The display currency is the shopper's choice, else the one their language implies when a rate links
it to the charge currency (Chinese → yuan), else none: listings then show each seller's own price,
and the cart, checkout and orders show the charged amounts.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from flask import current_app, g, has_request_context, session
from sqlalchemy import select

from marketplace.catalog.models import ExchangeRate
from marketplace.core.i18n import current_language
from marketplace.core.money import Money
from marketplace.extensions import db

if TYPE_CHECKING:
    from marketplace.orders.pricing import PriceQuote

PIVOT_CURRENCY = "USD"
# The currency a language's readers expect by default, when a stored rate makes it possible. Other
# languages are read across many countries (French, Arabic, Portuguese, Swahili, English), so their
# readers see the seller's own currency until they choose one.
LOCALE_CURRENCIES = {"zh": "CNY"}
SESSION_KEY = "display_currency"  # absent: the language's default; "": the seller's currency; else a code


class RateTable:
    """Exchange rates in memory: direct, inverse, or through the US dollar."""

    def __init__(self, rates: dict[tuple[str, str], Decimal]) -> None:
        self.rates = rates

    def rate(self, base: str, quote: str) -> Decimal | None:
        """Units of `quote` one unit of `base` buys, or None when no stored rate links them."""
        if base == quote:
            return Decimal(1)
        if (base, quote) in self.rates:
            return self.rates[base, quote]
        if (quote, base) in self.rates:
            return 1 / self.rates[quote, base]
        if PIVOT_CURRENCY not in (base, quote):
            to_pivot, from_pivot = self.rate(base, PIVOT_CURRENCY), self.rate(PIVOT_CURRENCY, quote)
            if to_pivot is not None and from_pivot is not None:
                return to_pivot * from_pivot
        return None

    def convert(self, money: Money, currency: str) -> Money | None:
        """`money` in `currency`, or None when no rate links the two (or it is the same currency)."""
        if money.currency == currency:
            return None
        rate = self.rate(money.currency, currency)
        return money.convert(currency, rate) if rate is not None else None

    def currencies(self) -> list[str]:
        """Every currency a stored rate mentions, sorted by code."""
        return sorted({code for pair in self.rates for code in pair})


def exchange_rates() -> RateTable:
    """All stored rates, read once per request."""
    if "rate_table" not in g:
        rows = db.session.execute(select(ExchangeRate.base, ExchangeRate.quote, ExchangeRate.rate))
        g.rate_table = RateTable({(base, quote): rate for base, quote, rate in rows})
    return g.rate_table


def charged_unit(price: Money, rates: RateTable, charge_currency: str) -> Money | None:
    """One unit's price in the charge currency, rounded to its minor unit; None when no rate links them."""
    if price.currency == charge_currency:
        return price
    rate = rates.rate(price.currency, charge_currency)
    return price.convert(charge_currency, rate) if rate is not None else None


@dataclass(frozen=True)
class Shown:
    """An amount as the shopper sees it, and whether it is an approximate conversion (marked ≈)."""

    money: Money
    approximate: bool = False

    def times(self, quantity: int) -> Shown:
        """`quantity` units of this amount (multiplied after rounding, so lines add up)."""
        return Shown(self.money * quantity, self.approximate)

    def __add__(self, other: Shown) -> Shown:
        return Shown(self.money + other.money, self.approximate or other.approximate)


@dataclass(frozen=True)
class ShownPrice:
    """A quoted price as a listing or product page shows it."""

    price: Shown
    regular: Shown
    discounted: bool


def add_up(amounts: Iterable[Shown], currency: str) -> Shown:
    """The sum of amounts shown in `currency` (zero, exact, when there are none)."""
    total = Shown(Money(0, currency))
    for amount in amounts:
        total = total + amount
    return total


class DisplayPrices:
    """Writes prices and charged amounts in one display currency by the module's rule.

    `currency` None means no display currency: prices stay in the seller's currency and charged
    amounts in the charge currency.
    """

    def __init__(self, currency: str | None, charge_currency: str, rates: RateTable) -> None:
        if currency is not None and rates.rate(charge_currency, currency) is None:
            currency = None  # no stored rate reaches it from the charge currency: nothing could add up
        self.currency = currency
        self.charge_currency = charge_currency
        self.rates = rates

    @property
    def target(self) -> str:
        """The currency charged amounts are shown in."""
        return self.currency or self.charge_currency

    def charged(self, amount: Money) -> Shown:
        """A charged amount (a unit price in the charge currency) in the display currency."""
        if amount.currency == self.target:
            return Shown(amount)
        converted = self.rates.convert(amount, self.target)
        return Shown(converted, True) if converted is not None else Shown(amount)

    def price(self, price: Money) -> Shown:
        """A seller's unit price in the display currency, converted through its charged unit price."""
        if self.currency is None or price.currency == self.currency:
            return Shown(price)
        charged = charged_unit(price, self.rates, self.charge_currency)
        if charged is not None:
            return self.charged(charged)
        converted = self.rates.convert(price, self.currency)  # cannot be bought, but can be read
        return Shown(converted, True) if converted is not None else Shown(price)

    def as_charged(self, price: Money) -> Shown:
        """A seller's unit price as the cart and checkout show it: what it would be charged, in the
        display currency (the seller's price when no rate reaches the charge currency)."""
        charged = charged_unit(price, self.rates, self.charge_currency)
        return self.charged(charged) if charged is not None else self.price(price)

    def quote(self, quote: PriceQuote) -> ShownPrice:
        """A price quote (price now and regular price) in the display currency."""
        return ShownPrice(self.price(quote.price), self.price(quote.regular), quote.discounted)


def default_display_currency(language: str, rates: RateTable, charge_currency: str) -> str | None:
    """The currency readers of `language` see by default, when a stored rate links it to the charge currency."""
    code = LOCALE_CURRENCIES.get(language)
    if code is None or rates.rate(charge_currency, code) is None:
        return None
    return code


def resolve_display_currency(
    choice: str | None, language: str, rates: RateTable, charge_currency: str
) -> str | None:
    """The display currency for a shopper's stored `choice` (None: no choice yet; "": the seller's
    currency); a choice no stored rate supports any more falls back to the language's default."""
    if choice == "":
        return None
    if choice and choice in rates.currencies():
        return choice
    return default_display_currency(language, rates, charge_currency)


def shopper_display_currency() -> str | None:
    """The display currency of the shopper making this request (their choice, else their language's)."""
    if not has_request_context():
        return None
    return resolve_display_currency(session.get(SESSION_KEY), current_language().code, exchange_rates(),
                                    current_app.config["CHARGE_CURRENCY"])


def shopper_display_prices() -> DisplayPrices:
    """How this request's shopper sees prices and charged amounts."""
    return DisplayPrices(shopper_display_currency(), current_app.config["CHARGE_CURRENCY"], exchange_rates())
