"""The holds of order lines: product stock (the core's own) and the registered units behind an offer.

Every statement runs in the caller's transaction and follows the package's lock order: products by
id first, then each line's other hold by `HoldRef.lock_key`, whatever order the cart lists them in.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from flask_babel import gettext as _
from sqlalchemy import update

from marketplace.catalog.models import Product, ProductStatus
from marketplace.core.errors import Conflict, DomainError
from marketplace.extensions import db
from marketplace.orders.holds.refs import HoldRef
from marketplace.orders.holds.registry import give_back_units, retake_units, take_units

products = Product.__table__


@dataclass(frozen=True)
class LineHold:
    """Units one order line needs: of a product at the price the shopper accepted, and maybe of an offer."""

    product_id: int
    quantity: int
    price_amount: int | None = None  # the regular price the line was priced from; None: any price
    offer: HoldRef | None = None  # the offer's own units (a festival deal's), taken after the stock


class HeldLine(Protocol):
    """What giving back or taking again needs of a placed line (an `OrderLine`)."""

    product_id: int
    quantity: int
    offer_hold: HoldRef | None


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
    for hold in sorted(holds, key=lambda h: h.product_id):
        condition = [products.c.id == hold.product_id, products.c.stock >= hold.quantity,
                     products.c.status == ProductStatus.PUBLISHED.value]
        if hold.price_amount is not None:
            condition.append(products.c.price_amount == hold.price_amount)
        taken = db.session.execute(
            update(products).where(*condition).values(stock=products.c.stock - hold.quantity)
        ).rowcount
        if not taken:
            short.append(hold.product_id)
    return short


def _offers_in_lock_order(holds: Sequence[LineHold]) -> list[LineHold]:
    return sorted((h for h in holds if h.offer is not None), key=lambda h: h.offer.lock_key)


def take_line_holds(holds: Iterable[LineHold], owner_id: int, at: datetime) -> None:
    """Take every line's stock, then every offer's units, in the lock order; HoldRefused naming the lines
    that could not be had (every short product, or the first refused offer). The caller rolls back then."""
    holds = list(holds)
    short = take_stock(holds)
    if short:
        raise HoldRefused(_("Some items sold out while you were checking out."), short, short_of_stock=True)
    for hold in _offers_in_lock_order(holds):
        try:
            take_units(hold.offer, owner_id, hold.quantity, at)
        except DomainError as refusal:
            raise HoldRefused(refusal.message, [hold.product_id], short_of_stock=False) from refusal


def give_back_lines(lines: Iterable[HeldLine], owner_id: int) -> None:
    """Put the lines' units back into stock and give back their offers' units, in the lock order;
    Conflict (from a holder) when an offer's units were not held. Caller's transaction."""
    lines = list(lines)
    by_product: dict[int, int] = {}
    for line in lines:
        by_product[line.product_id] = by_product.get(line.product_id, 0) + line.quantity
    for product_id in sorted(by_product):
        db.session.execute(
            update(products).where(products.c.id == product_id).values(stock=products.c.stock + by_product[product_id])
        )
    for line in sorted((ln for ln in lines if ln.offer_hold is not None), key=lambda ln: ln.offer_hold.lock_key):
        give_back_units(line.offer_hold, owner_id, line.quantity)


def retake_lines(lines: Iterable[HeldLine], owner_id: int) -> None:
    """Take again the units of lines whose reservation lapsed (a late payment), in the lock order; offer
    units under the offer's cap and the owner's limit, not its window (the owner paid while it was open).
    HoldRefused when any is gone: the caller, inside a savepoint, undoes what was taken."""
    lines = list(lines)
    short = take_stock(LineHold(line.product_id, line.quantity) for line in lines)
    if short:
        raise HoldRefused(_("Some items sold out while you were checking out."), short, short_of_stock=True)
    for line in sorted((ln for ln in lines if ln.offer_hold is not None), key=lambda ln: ln.offer_hold.lock_key):
        try:
            retake_units(line.offer_hold, owner_id, line.quantity)
        except DomainError as refusal:
            raise HoldRefused(refusal.message, [line.product_id], short_of_stock=False) from refusal
