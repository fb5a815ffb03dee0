"""Amounts of many currencies added up in the campaign's reporting currency, through the stored rates.

Orders are charged in whatever `CHARGE_CURRENCY` was at the time, so a report sums minor units per
currency in SQL and converts each sum here, once, at the stored rate (direct, inverse, or through
the US dollar, as for shoppers' prices). The report states each rate used and the day it was stored.
A currency no stored rate reaches is never dropped or guessed: it is kept apart and shown as it is.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from marketplace.catalog.currency import PIVOT_CURRENCY, RateTable
from marketplace.catalog.models import ExchangeRate
from marketplace.core import clock
from marketplace.core.money import Money
from marketplace.extensions import db


@dataclass(frozen=True)
class UsedRate:
    """A conversion the report made: one unit of `base` is `rate` of `quote`, from rates stored at `stored_at`."""

    base: str
    quote: str
    rate: Decimal
    stored_at: datetime


@dataclass
class Converter:
    """Converts sums into `currency` and remembers the rates it used and the currencies it could not convert."""

    currency: str
    table: RateTable
    stored: dict[tuple[str, str], datetime]
    used: dict[str, UsedRate] = field(default_factory=dict)
    unconverted: set[str] = field(default_factory=set)

    def convert(self, amount: int, currency: str) -> Money | None:
        """`amount` minor units of `currency` in the reporting currency; None when no stored rate reaches it."""
        if currency == self.currency:
            return Money(amount, currency)
        rate = self.table.rate(currency, self.currency)
        if rate is None:
            self.unconverted.add(currency)
            return None
        if currency not in self.used:
            self.used[currency] = UsedRate(currency, self.currency, rate, self._stored_at(currency))
        return Money(amount, currency).convert(self.currency, rate)

    def _stored_at(self, currency: str) -> datetime:
        """When the rate linking `currency` to the reporting currency was stored (the older of two
        through the dollar)."""
        for pair in ((currency, self.currency), (self.currency, currency)):
            if pair in self.stored:
                return self.stored[pair]
        legs = [self._leg(currency, PIVOT_CURRENCY), self._leg(PIVOT_CURRENCY, self.currency)]
        return min(leg for leg in legs if leg is not None) if any(legs) else clock.now()

    def _leg(self, base: str, quote: str) -> datetime | None:
        if base == quote:
            return None
        return self.stored.get((base, quote)) or self.stored.get((quote, base))

    def rates_used(self) -> list[UsedRate]:
        """The conversions made, by currency code."""
        return [self.used[code] for code in sorted(self.used)]


def reporting_converter(currency: str) -> Converter:
    """A converter into `currency` over every stored rate, read once."""
    rows = db.session.execute(select(ExchangeRate.base, ExchangeRate.quote, ExchangeRate.rate,
                                     ExchangeRate.updated_at)).all()
    return Converter(currency, RateTable({(base, quote): rate for base, quote, rate, _ in rows}),
                     {(base, quote): clock.to_utc(at) for base, quote, _, at in rows})


@dataclass
class Amount:
    """A sum in the reporting currency, plus the parts of it no rate could convert, per currency."""

    currency: str
    minor: int = 0
    apart: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, amount: int, currency: str, converter: Converter) -> None:
        converted = converter.convert(amount, currency)
        if converted is None:
            self.apart[currency] += amount
        else:
            self.minor += converted.amount

    def add_amount(self, other: Amount) -> None:
        self.minor += other.minor
        for code, amount in other.apart.items():
            self.apart[code] += amount

    @property
    def money(self) -> Money:
        return Money(self.minor, self.currency)

    @property
    def others(self) -> list[Money]:
        """The amounts no stored rate converts, by currency code."""
        return [Money(amount, code) for code, amount in sorted(self.apart.items()) if amount]


def total(amounts: Iterable[Amount], currency: str) -> Amount:
    """The sum of `amounts`."""
    result = Amount(currency)
    for amount in amounts:
        result.add_amount(amount)
    return result
