"""The holds of order lines: product stock (the core's own), the registered units behind an offer, and the
seats a booking line takes on its dated start (`orders/bookings.py`; no stock is taken for a booking).

Every statement runs in the caller's transaction and follows the package's lock order: products by
id first, then every line's other holds (offers and booked seats together) by `HoldRef.lock_key`,
whatever order the cart lists them in.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from flask_babel import gettext as _
from sqlalchemy import update

from marketplace.catalog.models import FEW_LEFT, Product, ProductStatus
from marketplace.core.errors import Conflict, DomainError
from marketplace.core.page_cache import counts_a_sale, mark_catalogue_changed
from marketplace.extensions import db
from marketplace.orders.holds.refs import HoldRef
from marketplace.orders.holds.registry import give_back_units, retake_units, settle_units, take_units

products = Product.__table__


@dataclass(frozen=True)
class LineHold:
    """Units one order line needs: of a product at the price the shopper accepted, and maybe of an offer."""

    product_id: int
    quantity: int
    price_amount: int | None = None  # the regular price the line was priced from; None: any price
    offer: HoldRef | None = None  # the offer's own units (a festival deal's), taken after the stock
    booking: HoldRef | None = None  # a booking's dated start: `seats` are taken there and no stock at all
    seats: int = 0


class HeldLine(Protocol):
    """What giving back or taking again needs of a placed line (an `OrderLine`)."""

    product_id: int
    quantity: int
    offer_hold: HoldRef | None
    booking: HoldRef | None
    seats: int


def _unit_holds(lines: Iterable[LineHold | HeldLine]) -> list[tuple[HoldRef, int, int]]:
    """(reference, units, product id) of every line's registered holds, offers and booked seats, in the lock
    order; a booking's seats are its units (its offer's too), a goods line's offer the line's quantity."""
    holds = []
    for line in lines:
        offer = line.offer if isinstance(line, LineHold) else line.offer_hold
        if offer is not None:  # a booking's offer (festival seats) counts its seats, as its start does
            holds.append((offer, line.seats if line.booking is not None else line.quantity, line.product_id))
        if line.booking is not None:
            holds.append((line.booking, line.seats, line.product_id))
    return sorted(holds, key=lambda hold: hold[0].lock_key)


class HoldRefused(Conflict):
    """Some units could not be taken; `product_ids` names the lines, `short_of_stock` says whether stock ran
    short (otherwise an offer's holder refused, and `message` is its reason). The caller rolls back."""

    def __init__(self, message: str, product_ids: list[int], short_of_stock: bool) -> None:
        super().__init__(message)
        self.product_ids = product_ids
        self.short_of_stock = short_of_stock


def take_stock(holds: Iterable[LineHold]) -> list[int]:
    """Take stock for every hold, in product order; the ids of products that had too few units.

    A product whose regular price changed or that left sale since the shopper saw it counts as
    unavailable too. The caller rolls back when the list is not empty.
    """
    short: list[int] = []
    for hold in sorted((h for h in holds if h.booking is None), key=lambda h: h.product_id):
        condition = [products.c.id == hold.product_id, products.c.stock >= hold.quantity,
                     products.c.status == ProductStatus.PUBLISHED.value]
        if hold.price_amount is not None:
            condition.append(products.c.price_amount == hold.price_amount)
        left = db.session.execute(counts_a_sale(
            update(products).where(*condition).values(stock=products.c.stock - hold.quantity)
            .returning(products.c.stock))).scalar()
        if left is None:
            short.append(hold.product_id)
        elif left <= FEW_LEFT:  # pages now count the units left, or say "Sold out"
            mark_catalogue_changed(db.session)
    return short


def take_line_holds(holds: Iterable[LineHold], owner_id: int, at: datetime) -> None:
    """Take every line's stock, then every offer's units and booking's seats, in the lock order; HoldRefused
    naming the lines that could not be had (every short product, or the first refused offer or booking).
    The caller rolls back then."""
    holds = list(holds)
    short = take_stock(holds)
    if short:
        raise HoldRefused(_("Some items sold out while you were checking out."), short, short_of_stock=True)
    for ref, units, product_id in _unit_holds(holds):
        try:
            take_units(ref, owner_id, units, at)
        except DomainError as refusal:
            raise HoldRefused(refusal.message, [product_id], short_of_stock=False) from refusal


def give_back_lines(lines: Iterable[HeldLine], owner_id: int, settled: bool = False) -> None:
    """Put the lines' units back into stock and give back their offers' units and booked seats (paid for when
    `settled`), in the lock order; Conflict (from a holder) when some were not held. Caller's transaction."""
    lines = list(lines)
    by_product: dict[int, int] = {}
    for line in lines:
        if line.booking is None:
            by_product[line.product_id] = by_product.get(line.product_id, 0) + line.quantity
    for product_id in sorted(by_product):
        db.session.execute(
            update(products).where(products.c.id == product_id).values(stock=products.c.stock + by_product[product_id])
        )
    for ref, units, _product_id in _unit_holds(lines):
        give_back_units(ref, owner_id, units, settled)


def settle_lines(lines: Iterable[HeldLine], owner_id: int) -> None:
    """The owner paid: count the lines' held units as sold, in the lock order (caller's transaction)."""
    for ref, units, _product_id in _unit_holds(lines):
        settle_units(ref, owner_id, units)


def retake_lines(lines: Iterable[HeldLine], owner_id: int) -> None:
    """Take again the units of lines whose reservation lapsed (a late payment), in the lock order; offer
    units under the offer's cap and the owner's limit, not its window (the owner paid while it was open).
    HoldRefused when any is gone: the caller, inside a savepoint, undoes what was taken."""
    lines = list(lines)
    short = take_stock(LineHold(line.product_id, line.quantity) for line in lines if line.booking is None)
    if short:
        raise HoldRefused(_("Some items sold out while you were checking out."), short, short_of_stock=True)
    for ref, units, product_id in _unit_holds(lines):
        try:
            retake_units(ref, owner_id, units)
        except DomainError as refusal:
            raise HoldRefused(refusal.message, [product_id], short_of_stock=False) from refusal
