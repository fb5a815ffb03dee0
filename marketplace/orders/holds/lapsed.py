"""Ending an unpaid order's reservation, and giving back the holds of lapsed ones at read time.

`release_expired_reservations` is called first thing by every service that reads what holds keep
(adding to the cart, pricing it, reading a product, checkout), so units held by an unpaid order whose
reservation ended are back before anyone is told they are sold out, with no background job running.
When nothing has lapsed it costs one indexed query (orders by payment state and `reserved_until`).
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update

from marketplace.core import clock
from marketplace.core.errors import DomainError
from marketplace.extensions import db
from marketplace.orders.holds.stock import give_back_lines
from marketplace.orders.models import FulfilmentState, Order, OrderEvent, PaymentState
from marketplace.orders.states import move_vendor_order

log = logging.getLogger(__name__)
orders = Order.__table__
SWEEP_BATCH = 50


def release_expired_reservations(at: datetime | None = None) -> int:
    """Expire pending orders whose reservation ended before `at` (now) and give their units back; how many.

    Each order is its own transaction, claimed by `end_reservation`'s conditional UPDATE, so two requests
    sweeping at once return the units once. Run it before the caller's own writes: it commits. An order
    whose units cannot be given back is rolled back, logged, and tried again by the next sweep.
    """
    at = at or clock.now()
    due = db.session.scalars(
        select(Order.id).where(Order.payment_state == PaymentState.PENDING, Order.reserved_until <= at)
        .order_by(Order.id).limit(SWEEP_BATCH)
    ).all()
    released = 0
    for order_id in due:
        try:
            ended = end_reservation(order_id, PaymentState.EXPIRED, "reservation ended", due_at=at)
        except DomainError:
            db.session.rollback()
            log.exception("order %s: its held units could not be given back", order_id)
            continue
        if ended:
            db.session.commit()
            released += 1
        else:
            db.session.rollback()
    return released


def end_reservation(order_id: int, state: PaymentState, note: str, due_at: datetime | None = None,
                    unstarted: bool = False) -> bool:
    """Move a pending order to `state` (expired, failed), cancel its vendor orders and give back its holds.

    False, with nothing changed, when the order is no longer pending (or, with `due_at`, its
    reservation has not ended by then; with `unstarted`, its payment page was saved meanwhile). Runs
    in the caller's transaction; the caller commits, or rolls back on the Conflict of a holder that
    finds units were not held.
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
    give_back_lines(order.lines, order.shopper_id)
    return True
