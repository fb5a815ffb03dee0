"""Starting an order's online payment, and starting it again when the first start was cut short.

The order and its reserved units are committed before the gateway is called, so a worker that dies
(or a database that fails) in between leaves an order awaiting payment with no payment page:
`resume_payment` opens one for it on the next retry or visit, or gives its units back when its
reservation has ended. Never an order that looks placed with no way to pay it.
"""
from __future__ import annotations

import logging
import secrets
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import update

from marketplace.core import clock
from marketplace.core.errors import DomainError, PaymentUnavailable
from marketplace.extensions import db
from marketplace.orders.cart import open_cart
from marketplace.orders.holds.lapsed import end_reservation
from marketplace.orders.models import CartItem, Order, PaymentState
from marketplace.payments import ChargeLine, GatewayError, PaymentRequest, get_payment_gateway

log = logging.getLogger(__name__)
orders = Order.__table__


def refill_cart(order: Order) -> None:
    """Put an order's lines back into its shopper's cart (caller's transaction), at the prices locked."""
    cart = open_cart(order.shopper, None)
    for line in order.lines:
        item = next((i for i in cart.items if i.product_id == line.product_id), None)
        if item is None:
            cart.items.append(CartItem(product_id=line.product_id, quantity=line.quantity,
                                       seen_amount=line.unit_amount, seen_currency=line.currency))


def resume_payment(order: Order, base_url: str, at: datetime | None = None) -> Order:
    """Start the payment of an order awaiting online payment that has none yet (its first start was cut
    short: a crashed worker, a failed database), so it can be paid; the order as it is then.

    When its reservation has already ended, its units go back (and into the cart again) instead. Orders
    with a payment page, or not awaiting one, are returned as they are. PaymentUnavailable, with the units
    given back, when the gateway cannot be reached. Safe to run from several requests at once: each start
    has its own idempotency key and only the first saved is kept (the others' pages are closed).
    """
    gateway = get_payment_gateway()
    if not order.is_open_reservation or order.gateway_reference or not gateway.collects_online \
            or order.gateway != gateway.name:
        return order
    at = at or clock.now()
    if order.reserved_until is None or clock.to_utc(order.reserved_until) <= at:
        if _end_unstarted(order, PaymentState.EXPIRED, "reservation ended before its payment started"):
            refill_cart(order)
            db.session.commit()
        else:
            db.session.rollback()
        db.session.refresh(order)
        return order
    start_payment(order, base_url, f"order-{order.reference}-{secrets.token_hex(4)}")
    return order


def _end_unstarted(order: Order, state: PaymentState, note: str) -> bool:
    """End the reservation of an order whose payment never started (caller's transaction, committed by the
    caller); a holder's refusal rolls back what was written and is raised again."""
    try:
        return end_reservation(order.id, state, note, unstarted=True)
    except DomainError:
        db.session.rollback()
        raise


def start_payment(order: Order, base_url: str, idempotency_key: str) -> None:
    """Open the gateway's payment for a pending order; on failure give the units back and say so.

    The payment page is saved only while the order still awaits payment and has none: a concurrent
    start that saved first wins, and this one's page is closed again.
    """
    gateway = get_payment_gateway()
    request = PaymentRequest(
        order_id=order.id, order_reference=order.reference, currency=order.currency,
        total_amount=order.total_amount,
        lines=tuple(ChargeLine(line.name, line.quantity, line.charge_unit_amount) for line in order.lines),
        customer_email=order.email, locale=order.language,
        success_url=f"{base_url}/{order.language}/orders/{order.reference}?paid=1",
        cancel_url=f"{base_url}/{order.language}/orders/{order.reference}",
        expires_at=order.reserved_until, idempotency_key=idempotency_key,
    )
    try:
        started = gateway.start_payment(request)
    except GatewayError as exc:
        # Unless a concurrent start saved its page meanwhile: that order can still be paid.
        if _end_unstarted(order, PaymentState.FAILED, f"payment could not start: {exc}"):
            refill_cart(order)  # the shopper tries again later with the same items
        db.session.commit()
        raise PaymentUnavailable(_("The payment service cannot be reached. Nothing was charged; please try "
                                   "again in a few minutes.")) from exc
    saved = db.session.execute(
        update(orders).where(orders.c.id == order.id, orders.c.gateway_reference == "",
                             orders.c.payment_state == PaymentState.PENDING.value)
        .values(gateway_reference=started.reference, payment_url=started.redirect_url or "")
    ).rowcount
    db.session.commit()
    if not saved:  # another request started it first, or the order ended meanwhile: this page must not be paid
        try:
            gateway.expire_payment(started.reference)
        except GatewayError:
            log.warning("order %s: an unused payment page %s could not be closed", order.reference,
                        started.reference)
    db.session.refresh(order)
