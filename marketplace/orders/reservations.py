"""Stock held for orders: taken by conditional UPDATEs, given back exactly once.

Every statement here runs inside the caller's transaction. Rows are always touched in primary-key
order (products, then offer units), so two checkouts of the same products in opposite cart orders
queue instead of deadlocking, on SQLite and PostgreSQL. Expired reservations are given back when
someone next reads stock (`release_expired_reservations`), so no background job is needed.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from marketplace.catalog.models import Product, ProductStatus
from marketplace.core.errors import Conflict
from marketplace.extensions import db
from marketplace.orders.models import FulfilmentState, Order, OrderEvent, OrderLine, PaymentState
from marketplace.orders.pricing import release_offer_units, retake_offer_units
from marketplace.orders.states import move_vendor_order

log = logging.getLogger(__name__)
products = Product.__table__
orders = Order.__table__
SWEEP_BATCH = 50


@dataclass(frozen=True)
class Hold:
    """Units one order line needs: of a product at the price the shopper accepted, and maybe of an offer."""

    product_id: int
    quantity: int
    price_amount: int | None = None  # the regular price the line was priced from; None: any price
    offer_hold: str = ""


def take_stock(holds: Iterable[Hold]) -> list[int]:
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


def hold_order(hold: str) -> tuple[str, int]:
    """Sort key that puts offer holds in primary-key order ("deal:9" before "deal:10")."""
    kind, _, ref = hold.partition(":")
    return kind, int(ref)


def return_stock(lines: Iterable[OrderLine]) -> None:
    """Put the lines' units back into stock and give back their offer units (caller's transaction)."""
    lines = list(lines)
    by_product: dict[int, int] = {}
    for line in lines:
        by_product[line.product_id] = by_product.get(line.product_id, 0) + line.quantity
    for product_id in sorted(by_product):
        db.session.execute(
            update(products).where(products.c.id == product_id).values(stock=products.c.stock + by_product[product_id])
        )
    for line in sorted((ln for ln in lines if ln.offer_hold), key=lambda ln: hold_order(ln.offer_hold)):
        release_offer_units(line.offer_hold, line.order.shopper_id, line.quantity)


def retake_stock(order: Order) -> bool:
    """Take the units of an order whose reservation lapsed again (a late payment); False when any is
    gone, with the caller (inside a savepoint) undoing what was taken.

    Offer units (festival deals) are taken again under the offer's cap and the shopper's limit, not
    its window: the shopper paid the offer's price while it was open.
    """
    if take_stock(Hold(line.product_id, line.quantity) for line in order.lines):
        return False
    for line in sorted((ln for ln in order.lines if ln.offer_hold), key=lambda ln: hold_order(ln.offer_hold)):
        if not retake_offer_units(line.offer_hold, order.shopper_id, line.quantity):
            return False
    return True


def release_expired_reservations(at: datetime) -> int:
    """Expire pending orders whose reservation ended before `at` and give their units back; how many.

    Each order is its own transaction, claimed by `end_reservation`'s conditional UPDATE, so two
    requests sweeping at once return the units once.
    """
    due = db.session.scalars(
        select(Order.id).where(Order.payment_state == PaymentState.PENDING, Order.reserved_until <= at)
        .order_by(Order.id).limit(SWEEP_BATCH)
    ).all()
    released = 0
    for order_id in due:
        try:
            ended = end_reservation(order_id, PaymentState.EXPIRED, "reservation ended", due_at=at)
        except Conflict:
            log.exception("order %s: its offer units could not be returned", order_id)
            continue  # rolled back: the next sweep tries again
        if ended:
            db.session.commit()
            released += 1
        else:
            db.session.rollback()
    return released


def end_reservation(order_id: int, state: PaymentState, note: str, due_at: datetime | None = None,
                    unstarted: bool = False) -> bool:
    """Move a pending order to `state` (expired, failed), cancel its vendor orders and return its units.

    False, with nothing changed, when the order is no longer pending (or, with `due_at`, its
    reservation has not ended by then; with `unstarted`, its payment page was saved meanwhile). Runs
    in the caller's transaction; the caller commits.
    """
    condition = [orders.c.id == order_id, orders.c.payment_state == PaymentState.PENDING.value]
    if due_at is not None:
        condition.append(orders.c.reserved_until <= due_at)
    if unstarted:
        condition.append(orders.c.gateway_reference == "")
    claimed = db.session.execute(update(orders).where(*condition).values(payment_state=state.value)).rowcount
    if not claimed:
        return False
    order = db.session.get(Order, order_id)
    db.session.refresh(order)
    db.session.add(OrderEvent(order_id=order.id, from_state=f"payment:{PaymentState.PENDING.value}",
                              to_state=f"payment:{state.value}", note=note))
    for vendor_order in order.vendor_orders:
        if vendor_order.status == FulfilmentState.PENDING:
            move_vendor_order(vendor_order, FulfilmentState.CANCELLED, None, note)
    return_stock(order.lines)
    return True
