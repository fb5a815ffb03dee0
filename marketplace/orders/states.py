"""Which state a vendor order may move to from which, and the one function that moves it.

Every change goes through `move_vendor_order`, which refuses a move the table does not allow and
writes the history row in the caller's transaction; nothing else assigns `VendorOrder.status`.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.core import clock
from marketplace.core.errors import Conflict
from marketplace.core.labels import register_labels
from marketplace.extensions import db
from marketplace.orders.models import FulfilmentState, Order, OrderEvent, PaymentState, VendorOrder

F = FulfilmentState

ALLOWED_MOVES: dict[FulfilmentState, frozenset[FulfilmentState]] = {
    F.PENDING: frozenset({F.PAID, F.CONFIRMED, F.CANCELLED}),
    F.CONFIRMED: frozenset({F.PAID, F.PACKED, F.CANCELLED}),  # offline: may ship before it is paid
    F.PAID: frozenset({F.PACKED, F.CANCELLED}),
    F.PACKED: frozenset({F.SHIPPED, F.CANCELLED}),
    F.SHIPPED: frozenset({F.DELIVERED}),
    F.DELIVERED: frozenset({F.REFUNDED}),
    F.CANCELLED: frozenset({F.REFUNDED}),  # only when money was taken (checked by the caller)
    F.REFUNDED: frozenset(),
}

# The order payment states derived from its vendor orders; pending, expired and failed belong to checkout
# and the payment webhooks.
DERIVED_PAYMENT_STATES = frozenset({PaymentState.UNPAID, PaymentState.PAID, PaymentState.REFUND_DUE,
                                    PaymentState.REFUNDED, PaymentState.CANCELLED})

# What a vendor may do to its own vendor orders; staff may also refund.
VENDOR_MOVES = frozenset({F.PACKED, F.SHIPPED, F.DELIVERED, F.CANCELLED})

FULFILMENT_LABELS = {
    F.PENDING: _l("Awaiting payment"),
    F.CONFIRMED: _l("Confirmed, to be paid on delivery"),
    F.PAID: _l("Paid"),
    F.PACKED: _l("Packed"),
    F.SHIPPED: _l("Shipped"),
    F.DELIVERED: _l("Delivered"),
    F.CANCELLED: _l("Cancelled"),
    F.REFUNDED: _l("Refunded"),
}

PAYMENT_LABELS = {
    PaymentState.PENDING: _l("Awaiting payment"),
    PaymentState.PAID: _l("Paid"),
    PaymentState.UNPAID: _l("To be paid on delivery"),
    PaymentState.EXPIRED: _l("Expired before payment"),
    PaymentState.FAILED: _l("Payment failed"),
    PaymentState.REFUND_DUE: _l("Refund due"),
    PaymentState.REFUNDED: _l("Refunded"),
    PaymentState.CANCELLED: _l("Cancelled"),
}

# How each payment gateway is called to a person (the `gateway` column keeps the code).
GATEWAY_LABELS = {
    "offline": _l("Pay on delivery (cash or mobile money)"),
    "stripe": _l("Online payment (card, Alipay, WeChat Pay)"),
}


def register_state_labels() -> None:
    """Make the labels of order states what `|label` writes."""
    register_labels(FulfilmentState, FULFILMENT_LABELS)
    register_labels(PaymentState, PAYMENT_LABELS)


def gateway_label(gateway: str) -> str:
    """The payment method of an order as a person reads it."""
    return str(GATEWAY_LABELS.get(gateway, gateway))


def can_move(current: FulfilmentState, target: FulfilmentState) -> bool:
    """Whether the table allows `current` → `target`."""
    return target in ALLOWED_MOVES[current]


def move_vendor_order(
    vendor_order: VendorOrder, target: FulfilmentState, actor_id: int | None, note: str = ""
) -> None:
    """Move `vendor_order` to `target` and record who did it; Conflict when the table forbids the move."""
    current = vendor_order.status
    if not can_move(current, target):
        raise Conflict(
            str(_l("An order that is “%(current)s” cannot become “%(target)s”.",
                   current=FULFILMENT_LABELS[current], target=FULFILMENT_LABELS[target]))
        )
    vendor_order.status = target
    vendor_order.updated_at = clock.now()
    event = OrderEvent(actor_id=actor_id, from_state=current.value, to_state=target.value, note=note)
    if vendor_order.id is None:  # an order being placed, not written yet: linked to the rows when they are
        event.order_id, event.vendor_order = vendor_order.order.id, vendor_order
    else:
        event.order_id, event.vendor_order_id = vendor_order.order_id, vendor_order.id
    db.session.add(event)


def record_payment_state(order: Order, target: PaymentState, actor_id: int | None, note: str = "") -> None:
    """Set the order's payment state and record the change in its history (no check: callers guard it)."""
    current = order.payment_state
    order.payment_state = target
    db.session.add(OrderEvent(order_id=order.id, actor_id=actor_id, from_state=f"payment:{current.value}",
                              to_state=f"payment:{target.value}", note=note))


def reinstate_vendor_order(vendor_order: VendorOrder, note: str = "") -> None:
    """Move a vendor order its lapsed reservation cancelled back to paid (a late payment whose units were
    taken again); Conflict when it is not cancelled or was ever paid.

    Deliberately not in ALLOWED_MOVES, where any caller could un-cancel a vendor order: only the payment
    webhook calls this, after it has claimed an expired or failed order and re-taken all of its units.
    A vendor order that was paid before (a cancellation with a refund) never comes back.
    """
    current = vendor_order.status
    if current != F.CANCELLED or vendor_order.paid_at is not None:
        raise Conflict(
            str(_l("An order that is “%(current)s” cannot become “%(target)s”.",
                   current=FULFILMENT_LABELS[current], target=FULFILMENT_LABELS[F.PAID]))
        )
    vendor_order.status = F.PAID
    vendor_order.updated_at = clock.now()
    db.session.add(OrderEvent(order_id=vendor_order.order_id, vendor_order_id=vendor_order.id, actor_id=None,
                              from_state=current.value, to_state=F.PAID.value, note=note))


def derived_payment_state(order: Order) -> PaymentState:
    """The order's payment state as its vendor orders make it: refund due while a paid part is cancelled and
    not yet refunded, else paid or unpaid by its live parts, else refunded or cancelled."""
    parts = order.vendor_orders
    if any(part.paid_at is not None and part.status == F.CANCELLED for part in parts):
        return PaymentState.REFUND_DUE  # money was taken for a part that will not be delivered
    live = [part for part in parts if part.status not in (F.CANCELLED, F.REFUNDED)]
    if live:
        return PaymentState.PAID if all(part.paid_at is not None for part in live) else PaymentState.UNPAID
    if any(part.status == F.REFUNDED for part in parts):
        return PaymentState.REFUNDED
    return PaymentState.CANCELLED


def update_payment_state(order: Order, actor_id: int | None) -> None:
    """Set the order's payment state from its vendor orders (when it is one of the derived states) and record
    the change, in the caller's transaction."""
    if order.payment_state not in DERIVED_PAYMENT_STATES:
        return
    target = derived_payment_state(order)
    if target != order.payment_state:
        record_payment_state(order, target, actor_id)
        if target == PaymentState.PAID and order.paid_at is None:
            order.paid_at = clock.now()
