"""Recording refunds, and the staff moves on them (retry, paid out); `sync.py` sends them and applies answers.

Recording is one transaction: the order row is locked first (the lock order of orders/fulfilment.py),
then the amount refunded so far of the vendor order (or, for money no vendor order holds, of the order) is
raised by a conditional UPDATE that cannot pass what was paid for it, so two refunds asked for at once can
never add up to more. The `Refund` row, its history and its ledger reversal are written in the same
transaction and commit together. Only then is the gateway called, so a gateway that cannot be reached
leaves the refund "requested" for a retry, which sends the same idempotency key and so never pays twice.

The ledger reversal is posted when the refund is recorded: from then on the money belongs to the shopper,
so it must not be paid out to the store meanwhile. A failed refund keeps its reversal: it is still owed,
and staff retry it.
"""
from __future__ import annotations

import secrets

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from marketplace.accounts.models import User
from marketplace.core import clock
from marketplace.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationError
from marketplace.core.i18n import current_language
from marketplace.core.money import Money, MoneyError
from marketplace.extensions import db
from marketplace.orders.models import Order, OrderEvent, PaymentState, VendorOrder
from marketplace.orders.refunds import emails
from marketplace.orders.refunds.models import Refund, RefundState
from marketplace.orders.refunds.sync import move_refund, send_refund
from marketplace.vendors.payables import post_refund_reversal

MIN_REASON, MAX_REASON = 3, 1000
MAX_PAYOUT_REFERENCE = 120
vendor_orders_table = VendorOrder.__table__
orders_table = Order.__table__


def new_idempotency_key() -> str:
    """A fresh key for one attempt at sending a refund."""
    return f"refund-{secrets.token_hex(16)}"


def check_refund_reason(text: str) -> str:
    """The reason trimmed; ValidationError unless it has 3 to 1,000 characters."""
    value = (text or "").strip()
    if not MIN_REASON <= len(value) <= MAX_REASON:
        message = _("Give the reason for the refund (3 to 1,000 characters).")
        raise ValidationError(message, {"reason": message})
    return value


def parse_refund_amount(text: str, currency: str) -> int:
    """An amount typed in major units ("12.50") as minor units of `currency`; ValidationError unless it is a
    positive number with no more decimals than the currency has."""
    message = _("Enter the amount to refund as a number greater than zero, e.g. 12.50.")
    try:
        money = Money.parse(text or "", currency)
    except MoneyError:
        raise ValidationError(message, {"amount": message}) from None
    if money.amount <= 0:
        raise ValidationError(message, {"amount": message})
    return money.amount


def _check_amount(amount: int) -> None:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        message = _("Enter the amount to refund as a number greater than zero, e.g. 12.50.")
        raise ValidationError(message, {"amount": message})


def _check_actor(actor: User | None, order: Order) -> None:
    """Staff, the order's shopper (their cancellation, within its policy as the caller checked) or None (the
    system) may start a refund; anyone else, the store's vendor included, is refused."""
    if actor is None or actor.is_staff or actor.id == order.shopper_id:
        return
    raise PermissionDenied(_("Only campaign staff can do this."))


def _lock_order(order_id: int) -> None:
    db.session.execute(select(Order.id).where(Order.id == order_id).with_for_update())


def _event(refund: Refund, to_state: str, actor_id: int | None, note: str, from_state: str = "") -> None:
    db.session.add(OrderEvent(order_id=refund.order_id, vendor_order_id=refund.vendor_order_id, actor_id=actor_id,
                              from_state=from_state, to_state=to_state, note=note))


def left_to_refund(vendor_order: VendorOrder) -> Money:
    """What is left of the vendor order's paid amount once earlier refunds are taken off (zero when unpaid)."""
    if vendor_order.paid_at is None:
        return Money(0, vendor_order.currency)
    return Money(max(vendor_order.subtotal_amount - vendor_order.refunded_amount, 0), vendor_order.currency)


def all_refunds_succeeded(vendor_order: VendorOrder) -> bool:
    """Whether every refund of the vendor order has reached the shopper."""
    return not db.session.scalar(select(Refund.id).where(Refund.vendor_order_id == vendor_order.id,
                                                         Refund.state != RefundState.SUCCEEDED).limit(1))


def record_vendor_order_refund(vendor_order: VendorOrder, amount: int, reason: str,
                               actor_id: int | None) -> Refund:
    """Record a refund of `amount` of the paid vendor order in the caller's transaction (which the caller
    commits, or rolls back on an error): the order row locked, the amount claimed by a conditional UPDATE,
    the ledger reversed by that amount; ValidationError when more than what is left is asked for."""
    _lock_order(vendor_order.order_id)
    claimed = db.session.execute(
        update(vendor_orders_table)
        .where(vendor_orders_table.c.id == vendor_order.id, vendor_orders_table.c.paid_at.is_not(None),
               vendor_orders_table.c.refunded_amount + amount <= vendor_orders_table.c.subtotal_amount)
        .values(refunded_amount=vendor_orders_table.c.refunded_amount + amount)
    ).rowcount
    if not claimed:
        db.session.expire(vendor_order)
        left = left_to_refund(vendor_order)
        if left.amount == 0:
            message = _("Nothing is left to refund for this part: it was refunded in full already.")
        else:
            message = _("At most %(amount)s is left to refund for this part.",
                        amount=left.format(current_language().code))
        raise ValidationError(message, {"amount": message})
    db.session.execute(update(orders_table).where(orders_table.c.id == vendor_order.order_id)
                       .values(refunded_amount=orders_table.c.refunded_amount + amount))
    order = vendor_order.order
    refund = Refund(order_id=order.id, vendor_order_id=vendor_order.id, amount=amount, currency=vendor_order.currency,
                    reason=reason, state=RefundState.REQUESTED, gateway=order.gateway,
                    payment_reference=order.gateway_reference, idempotency_key=new_idempotency_key(),
                    requested_by_id=actor_id)
    db.session.add(refund)
    db.session.flush()
    post_refund_reversal(vendor_order, refund.id, amount)
    _event(refund, f"refund:{RefundState.REQUESTED.value}", actor_id,
           f"{refund.money.format('en')}: {reason}")
    db.session.expire(vendor_order)
    return refund


def record_order_refund(order: Order, reason: str, actor_id: int | None) -> Refund | None:
    """Record a refund of everything the order's payment brought that is not refunded yet, for money no
    vendor order holds (a payment too late for units that were gone, or of another amount), in the caller's
    transaction; None when nothing is left."""
    db.session.flush()  # what the caller changed on the order is written before it is read again under the lock
    _lock_order(order.id)
    db.session.refresh(order)
    amount = order.paid_amount - order.refunded_amount
    if amount <= 0:
        return None
    claimed = db.session.execute(
        update(orders_table)
        .where(orders_table.c.id == order.id, orders_table.c.refunded_amount + amount <= orders_table.c.paid_amount)
        .values(refunded_amount=orders_table.c.refunded_amount + amount)
    ).rowcount
    if not claimed:
        return None
    refund = Refund(order_id=order.id, vendor_order_id=None, amount=amount,
                    currency=(order.paid_currency or order.currency), reason=reason, state=RefundState.REQUESTED,
                    gateway=order.gateway, payment_reference=order.gateway_reference,
                    idempotency_key=new_idempotency_key(), requested_by_id=actor_id)
    db.session.add(refund)
    db.session.flush()
    _event(refund, f"refund:{RefundState.REQUESTED.value}", actor_id, f"{refund.money.format('en')}: {reason}")
    db.session.expire(order)
    return refund


def _commit_or_rollback() -> None:
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


def refund_vendor_order(actor: User | None, vendor_order: VendorOrder, amount: int, reason: str) -> Refund:
    """Send `amount` (minor units of the vendor order's currency) of what the shopper paid for this vendor
    order back to them, through the gateway they paid with, and take it off what the store is owed.

    `actor` is who asks: staff, the order's shopper (a cancellation the caller found within its policy), or
    None for the system; a vendor cancels its part instead (orders/fulfilment.py refunds it). The refund is
    committed before the gateway is called; the returned refund says how that went (succeeded, pending, to
    pay out, still requested when the gateway could not be reached — retried later with the same key —, or
    failed). Raises PermissionDenied (actor), ValidationError (amount, reason, or more than what is left:
    nothing recorded), Conflict (nothing paid).
    """
    order = vendor_order.order
    _check_actor(actor, order)
    reason = check_refund_reason(reason)
    _check_amount(amount)
    if vendor_order.paid_at is None:
        raise Conflict(_("Nothing was paid for this order, so there is nothing to refund."))
    try:
        refund = record_vendor_order_refund(vendor_order, amount, reason, actor.id if actor else None)
    except DomainError:
        db.session.rollback()
        raise
    _commit_or_rollback()
    return send_refund(refund.id)


def refund_rest_of_vendor_order(actor: User | None, vendor_order: VendorOrder, reason: str) -> Refund:
    """Refund everything of the vendor order's payment not refunded yet (`refund_vendor_order` for what is
    left); the same errors, and ValidationError when nothing is left."""
    left = left_to_refund(vendor_order)
    if vendor_order.paid_at is not None and left.amount == 0:
        message = _("Nothing is left to refund for this part: it was refunded in full already.")
        raise ValidationError(message, {"amount": message})
    return refund_vendor_order(actor, vendor_order, left.amount, reason)


def refund_order_payment(staff: User, order: Order, reason: str) -> Refund:
    """Refund what an order's payment brought when no vendor order holds it (the order is refund due and
    none of its parts was paid); PermissionDenied (not staff), ValidationError (reason), Conflict (not such
    an order, or nothing left)."""
    _require_staff(staff)
    reason = check_refund_reason(reason)
    if not whole_order_refundable(order):
        raise Conflict(_("This order has no refund due as a whole; refund each paid part instead."))
    refund = record_order_refund(order, reason, staff.id)
    if refund is None:
        db.session.rollback()
        raise Conflict(_("Everything paid for this order is refunded or on its way back already."))
    _commit_or_rollback()
    return send_refund(refund.id)


def whole_order_refundable(order: Order) -> bool:
    """Whether the order's money is owed back with no vendor order holding it, and some is not refunded yet."""
    return (order.payment_state == PaymentState.REFUND_DUE and order.paid_amount > order.refunded_amount
            and all(part.paid_at is None for part in order.vendor_orders))


def _require_staff(user: User) -> None:
    if not user.is_staff:
        raise PermissionDenied(_("Only campaign staff can do this."))


def get_refund(staff: User, refund_id: int) -> Refund:
    """The refund; PermissionDenied for non-staff, NotFound when there is none."""
    _require_staff(staff)
    refund = db.session.get(Refund, refund_id)
    if refund is None:
        raise NotFound("no such refund")
    return refund


def retry_refund(staff: User, refund_id: int) -> Refund:
    """Send a refund again: one the gateway could not be reached for (with the same idempotency key, so it is
    never paid twice) or one it said failed (with a new key: no money moved); PermissionDenied, NotFound,
    Conflict (already on its way, paid, or to be paid out by hand)."""
    refund = get_refund(staff, refund_id)
    if refund.state == RefundState.FAILED:
        _lock_order(refund.order_id)
        table = Refund.__table__
        claimed = db.session.execute(
            update(table).where(table.c.id == refund.id, table.c.state == RefundState.FAILED.value)
            .values(state=RefundState.REQUESTED.value, idempotency_key=new_idempotency_key(), gateway_refund_id="",
                    updated_at=clock.now())
        ).rowcount
        if claimed:
            _event(refund, f"refund:{RefundState.REQUESTED.value}", staff.id, "retry",
                   from_state=f"refund:{RefundState.FAILED.value}")
        _commit_or_rollback()
        db.session.refresh(refund)
    if refund.state != RefundState.REQUESTED:
        raise Conflict(_("This refund is not waiting to be sent: it is “%(state)s”.", state=refund.label))
    return send_refund(refund.id)


def check_payout_reference(text: str) -> str:
    """The cash or mobile-money payout reference trimmed; ValidationError unless printable and at most 120."""
    value = (text or "").strip()
    if len(value) > MAX_PAYOUT_REFERENCE or not value.isprintable():
        message = _("A payout reference has at most 120 printable characters.")
        raise ValidationError(message, {"payout_reference": message})
    return value


def mark_refund_paid_out(staff: User, refund_id: int, payout_reference: str = "") -> Refund:
    """Record that staff paid a pay-on-delivery refund back in cash or by mobile money; PermissionDenied,
    NotFound, ValidationError (reference), Conflict (not one to pay out, or paid out already)."""
    refund = get_refund(staff, refund_id)
    reference = check_payout_reference(payout_reference)
    if refund.state != RefundState.TO_PAY_OUT:
        raise Conflict(_("This refund is not waiting to be paid out: it is “%(state)s”.", state=refund.label))
    _lock_order(refund.order_id)
    db.session.refresh(refund)
    moved, tell = move_refund(refund, RefundState.SUCCEEDED, staff.id, reference)
    if not moved:  # paid out by someone else meanwhile
        db.session.rollback()
        raise Conflict(_("This refund is not waiting to be paid out: it is “%(state)s”.", state=refund.label))
    refund.paid_out_by_id, refund.payout_reference = staff.id, reference
    _commit_or_rollback()
    if tell:
        emails.refund_sent(refund)
    return refund


def refunds_of(order: Order) -> list[Refund]:
    """The order's refunds, oldest first."""
    return list(db.session.scalars(select(Refund).where(Refund.order_id == order.id).order_by(Refund.id)))


# Refunds staff must act on: not taken by the gateway yet, refused, or to be paid out by hand.
NEEDS_STAFF = (RefundState.REQUESTED, RefundState.FAILED, RefundState.TO_PAY_OUT)
QUEUE_LIMIT = 200


def refunds_needing_staff(staff: User) -> list[Refund]:
    """The refunds waiting for staff (to retry, or to pay out), oldest first, at most 200; PermissionDenied for
    non-staff."""
    _require_staff(staff)
    return list(db.session.scalars(select(Refund).where(Refund.state.in_(NEEDS_STAFF))
                                   .order_by(Refund.created_at, Refund.id).limit(QUEUE_LIMIT)))


def count_refunds_needing_staff() -> int:
    """How many refunds wait for staff."""
    return db.session.scalar(select(func.count(Refund.id)).where(Refund.state.in_(NEEDS_STAFF))) or 0
