"""Bookings: cart and order lines that are seats on a dated start of something (a tour's departure), not stock.

A booking line names the start whose seats it takes by a `HoldRef` (e.g. `HoldRef("departure", 17)`) and
carries its units: how many seats of each kind of traveller (`{"adult": 2, "child": 1}`). It is one booking
(quantity 1) priced as a whole, the sum of its units' prices; no stock is taken for it, only its seats,
through the holder registered for the same kind (`holds/registry.py`), in the one lock order.

The feature that owns the dated starts (tourism) registers a `Booker` for its kind at start-up, so the core
prices, checks and describes booking lines without importing the feature.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from flask import Flask, current_app
from flask_babel import gettext as _

from marketplace.core.errors import NotFound
from marketplace.core.money import Money
from marketplace.orders.holds.refs import HoldRef
from marketplace.orders.pricing import Offer

EXTENSION = "bookers"
MAX_SEATS = 50  # travellers in one booking, whatever an option allows


@dataclass(frozen=True)
class BookingQuote:
    """A booking priced now: the whole price in the seller's currency, the seats it takes, each unit's price,
    when and for whom in the reader's language, and why it cannot be booked now ("" when it can)."""

    price: Money
    seats: int
    units: Mapping[str, dict] = field(default_factory=dict)  # {"adult": {"count": 2, "amount": 12000}}
    unit_labels: Mapping[str, str] = field(default_factory=dict)  # {"adult": "Adult"} in the reader's language
    detail: str = ""  # e.g. "Sat 12 Dec 2026, 07:30 (Nairobi time) · 2 × Adult, 1 × Child"
    problem: str = ""
    paid_online_only: bool = True
    regular: Money | None = None  # the price without `offer` (None: no offer applies)
    offer: Offer | None = None  # a festival price for these seats, whose hold checkout takes with the seats


class Booker(Protocol):
    """Prices and describes bookings of one kind of dated start."""

    def quote(self, ref: HoldRef, product_id: int, units: Mapping[str, int], at: datetime,
              language: str | Sequence[str]) -> BookingQuote:
        """The booking of `units` on the start `ref` of product `product_id` at `at`. NotFound when `ref` is
        not a bookable start of that product (a tampered id, another product's); ValidationError (in the
        reader's language) for units outside the option's bounds. A start that is full, closed or cancelled
        is not an error here: the quote says so in `problem`, so a cart can show the line and why."""
        ...

    def describe(self, ref: HoldRef, counts: Mapping[str, int], language: str) -> str:
        """When and for whom, for a reader of `language` (an operator's e-mail): "" when the start is gone."""
        ...


def register_booker(app: Flask, kind: str, booker: Booker) -> None:
    """Let carts and checkout book starts of `kind` through `booker` (its seats need a holder of that kind)."""
    app.extensions.setdefault(EXTENSION, {})[kind] = booker


def quote_booking(ref: HoldRef, product_id: int, units: Mapping[str, int], at: datetime,
                  language: str | Sequence[str]) -> BookingQuote:
    """The booking priced now by the registered booker; NotFound when nothing books this kind of start."""
    booker = current_app.extensions.get(EXTENSION, {}).get(ref.kind)
    if booker is None:
        raise NotFound(_("This date cannot be booked."))
    return booker.quote(ref, product_id, units, at, language)


def describe_booking(ref: HoldRef, counts: Mapping[str, int], language: str) -> str:
    """A booked start and its seats for a reader of `language` ("" when nothing describes this kind)."""
    booker = current_app.extensions.get(EXTENSION, {}).get(ref.kind)
    return booker.describe(ref, counts, language) if booker is not None else ""


def clean_units(units: Mapping[str, object]) -> dict[str, int]:
    """The counts that are whole numbers above zero, by kind; others dropped (a form's empty boxes)."""
    clean: dict[str, int] = {}
    for kind, count in units.items():
        text = str(count).strip()
        if isinstance(kind, str) and 0 < len(kind) <= 16 and text.isdecimal() and len(text) <= 3 and int(text):
            clean[kind] = int(text)
    return clean
