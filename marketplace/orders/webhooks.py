"""Payment reports from a gateway (webhook events, re-read payments) turned into order changes, once each.

Each report is one transaction: the `PaymentEvent` row (unique per gateway and event id) is inserted
first, then the order row is locked and changed, then both commit together. A replayed event fails
the insert and changes nothing; a crash part-way rolls back the event row with its effect, so the
gateway's retry applies it again. Events may arrive in any order: every change is decided from the
order's state as it is under the lock, never from the event alone.

Money is never lost and stock never oversold: a payment for units that were given back takes them
again if they are still there, and otherwise flags the order `refund_due` and records a refund of it,
sent to the gateway once the event is committed (orders/refunds). Refund events (`refund.*`,
`charge.refunded`) go to `orders/refunds/sync.py`.
"""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import replace
from datetime import datetime
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marketplace.core import clock
from marketplace.extensions import db
from marketplace.orders import emails
from marketplace.orders.holds.lapsed import end_reservation
from marketplace.orders.holds.stock import HoldRefused, retake_lines, settle_lines
from marketplace.orders.models import FulfilmentState, Order, OrderEvent, PaymentEvent, PaymentState
from marketplace.orders.refunds.models import Refund, RefundState
from marketplace.orders.refunds.services import record_order_refund
from marketplace.orders.refunds.sync import send_refund
from marketplace.orders.states import move_vendor_order, record_payment_state, reinstate_vendor_order
from marketplace.payments import PaymentReport, get_payment_gateway
from marketplace.vendors.payables import post_sale

log = logging.getLogger(__name__)

# What `apply_payment_report` says happened.
PAID = "paid"  # the order is paid now (on time, or late with its units taken again)
ALREADY_PAID = "already_paid"
REFUND_DUE = "refund_due"  # money arrived for an order that can no longer be filled
AMOUNT_MISMATCH = "amount_mismatch"  # money arrived, but not the order's total: flagged for a refund
FAILED = "failed"
EXPIRED = "expired"
PROCESSING = "processing"  # the shopper paid with a delayed method; the reservation stands
UNCHANGED = "unchanged"  # an out-of-order or late event the order's state already answers
IGNORED = "ignored"  # not a payment event
UNKNOWN_ORDER = "unknown_order"
DUPLICATE = "duplicate"
# Outcomes that changed an order, for `flask payments reconcile`.
REPAIRS = frozenset({PAID, REFUND_DUE, AMOUNT_MISMATCH, FAILED, EXPIRED})

LATE_PAYMENT_NOTE = "paid after the reservation ended; its units were taken again"
SOLD_NOTE = "paid after the reservation ended and the stock was sold"


def apply_payment_report(report: PaymentReport, gateway_name: str, at: datetime | None = None) -> str:
    """Apply one gateway report to its order in one transaction and return what happened (see the outcomes above).

    A report already applied returns "duplicate" and changes nothing. ValueError when the report has
    no event id; any failure while applying rolls back, records nothing, and is raised again.
    """
    if report.outcome == IGNORED:
        return IGNORED  # not recorded: endpoints receive many event types we have no use for
    if not report.event_id:
        raise ValueError("a payment report needs an event id to be applied once")
    at = at or clock.now()
    event = PaymentEvent(gateway=gateway_name, event_id=report.event_id[:255],
                         kind=(report.event_type or report.outcome)[:80], received_at=at)
    db.session.add(event)
    try:
        # The first write: a concurrent delivery of the same event waits here, then fails.
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return DUPLICATE
    try:
        db.session.expire_all()  # decide from the rows as they are in this transaction
        order = _locked_order(report, gateway_name)
        if order is None:
            outcome = UNKNOWN_ORDER
            level = logging.ERROR if report.outcome == PAID else logging.WARNING
            log.log(level, "%s event %s (%s) names no order of ours: session %s, order id %s", gateway_name,
                    report.event_id, report.outcome, report.reference, report.order_id)
        else:
            event.order_id = order.id
            outcome = _apply(order, report, at)
        event.outcome = outcome
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    if outcome == PAID:
        emails.order_placed_soon(order)
    elif outcome in (REFUND_DUE, AMOUNT_MISMATCH):
        _send_order_refunds(order.id)
    return outcome


def _send_order_refunds(order_id: int) -> None:
    """Send the refunds of money no vendor order holds that the event just recorded (after its commit)."""
    for refund_id in db.session.scalars(select(Refund.id).where(
            Refund.order_id == order_id, Refund.vendor_order_id.is_(None), Refund.state == RefundState.REQUESTED)):
        send_refund(refund_id)


def _locked_order(report: PaymentReport, gateway_name: str) -> Order | None:
    """The report's order, its row locked until commit; None unless the gateway and payment reference match."""
    if report.order_id is not None:
        condition = Order.id == report.order_id
    elif report.reference:
        condition = Order.gateway_reference == report.reference
    else:
        return None
    # PostgreSQL: the expiry sweep and other events for this order wait for us (SQLite has one writer anyway).
    order = db.session.scalars(select(Order).where(condition).with_for_update()).first()
    # The signed metadata names the order, and the session must be the one this order opened.
    if order is None or order.gateway != gateway_name or not report.reference \
            or order.gateway_reference != report.reference:
        return None
    return order


def _apply(order: Order, report: PaymentReport, at: datetime) -> str:
    if report.outcome == PAID:
        return _apply_paid(order, report, at)
    if report.outcome in (FAILED, EXPIRED):
        if order.payment_state != PaymentState.PENDING:
            return UNCHANGED  # e.g. "expired" arriving after "completed": the order stays paid
        target = PaymentState.FAILED if report.outcome == FAILED else PaymentState.EXPIRED
        note = f"{report.event_type or 'gateway'}: payment {report.outcome}"
        end_reservation(order.id, target, note)
        return report.outcome
    if report.outcome == PROCESSING:
        if order.payment_state != PaymentState.PENDING:
            return UNCHANGED
        db.session.add(OrderEvent(order_id=order.id, from_state=f"payment:{PaymentState.PENDING.value}",
                                  to_state=f"payment:{PaymentState.PENDING.value}",
                                  note="the shopper paid; the gateway is still processing the payment"))
        return PROCESSING
    return IGNORED


def _apply_paid(order: Order, report: PaymentReport, at: datetime) -> str:
    state = order.payment_state
    if state == PaymentState.PAID:
        return ALREADY_PAID
    if state in (PaymentState.REFUND_DUE, PaymentState.REFUNDED, PaymentState.UNPAID):
        return UNCHANGED  # already flagged for staff, or not an online payment at all
    if report.currency != order.currency or report.amount != order.total_amount:
        _flag_refund(order, f"paid {report.amount} {report.currency or '?'}, but the order is "
                            f"{order.total_amount} {order.currency}", report, mismatch=True)
        log.error("order %s: amount mismatch on %s %s", order.reference, report.event_type, report.event_id)
        return AMOUNT_MISMATCH
    if state == PaymentState.PENDING:
        _mark_paid(order, report, at, "", late=False)
        return PAID
    if state in (PaymentState.EXPIRED, PaymentState.FAILED):
        # Its units went back to stock (and to its festival deals); take them again only if every one is
        # still there.
        savepoint = db.session.begin_nested()
        try:
            retake_lines(order.lines, order.shopper_id)
        except HoldRefused:
            savepoint.rollback()  # undo the lines that could be taken, so nothing is held for a refunded order
        else:
            savepoint.commit()
            _mark_paid(order, report, at, LATE_PAYMENT_NOTE, late=True)
            return PAID
        _flag_refund(order, SOLD_NOTE, report)
        log.error("order %s: %s", order.reference, SOLD_NOTE)
        return REFUND_DUE
    _flag_refund(order, f"paid after the order was {state.value}", report)  # cancelled before payment
    log.error("order %s: paid after it was %s", order.reference, state.value)
    return REFUND_DUE


def _mark_paid(order: Order, report: PaymentReport, at: datetime, note: str, late: bool) -> None:
    """Mark the order and its vendor orders paid and owe each store its sale (caller's transaction)."""
    record_payment_state(order, PaymentState.PAID, None, note)
    order.paid_at = at
    order.paid_amount, order.paid_currency = report.amount, report.currency
    order.reserved_until = None
    settled = []
    for vendor_order in order.vendor_orders:
        if vendor_order.status == FulfilmentState.PENDING:
            move_vendor_order(vendor_order, FulfilmentState.PAID, None, note)
        elif late and vendor_order.status == FulfilmentState.CANCELLED and vendor_order.paid_at is None:
            # Cancelled by the lapsed reservation; the shopper has now paid for it and its units are back.
            reinstate_vendor_order(vendor_order, note)
        else:
            continue
        vendor_order.paid_at = at
        post_sale(vendor_order)
        settled.extend(vendor_order.lines)
    # Booked seats held for these stores' parts are now sold: all at once, so in the lock order across stores.
    settle_lines(settled, order.shopper_id)


def _flag_refund(order: Order, note: str, report: PaymentReport, mismatch: bool = False) -> None:
    """Money arrived that the order cannot keep: flag it refund due, giving back any units still held, and
    record a refund of all of it (sent after the commit).

    What was taken is recorded as it came, in its own currency, whatever the order's: that is refunded.
    """
    if order.payment_state == PaymentState.PENDING:
        end_reservation(order.id, PaymentState.REFUND_DUE, note)  # reloads the order: record the payment after
        order = db.session.get(Order, order.id)
    else:
        record_payment_state(order, PaymentState.REFUND_DUE, None, note)
    order.paid_amount, order.paid_currency = report.amount, (report.currency or order.currency).upper()[:3]
    with force_locale(order.language):  # the reason is in the shopper's e-mail
        reason = (_("Your payment did not match the order's total, so it is sent back in full.") if mismatch
                  else _("Your payment arrived after the order had lapsed and its items were no longer available."))
    record_order_refund(order, reason, None)


def reconcile_payments(since: datetime, at: datetime | None = None) -> dict[str, Any]:
    """Re-read the gateway's payments opened since `since` and apply what its webhooks did not deliver.

    Each re-read is applied under a synthetic event id (session and outcome), so running it again
    changes nothing. Returns {"checked", "repaired", "outcomes", "orders": [(reference, outcome)]};
    raises GatewayError when the gateway cannot be reached (what was applied before stays applied).
    """
    gateway = get_payment_gateway()
    at = at or clock.now()
    checked = 0
    outcomes: Counter[str] = Counter()
    repaired: list[tuple[str, str]] = []
    for report in gateway.recent_payments(since):
        checked += 1
        if report.outcome not in (PAID, FAILED, EXPIRED):
            continue  # still open or processing: its webhook may yet come, and nothing is wrong
        synthetic = replace(report, event_id=f"reconcile:{report.reference}:{report.outcome}",
                            event_type=f"reconcile.{report.outcome}")
        outcome = apply_payment_report(synthetic, gateway.name, at)
        outcomes[outcome] += 1
        if outcome in REPAIRS:
            reference = db.session.scalar(select(Order.reference).where(Order.gateway == gateway.name,
                                                                        Order.gateway_reference == report.reference))
            repaired.append((reference or report.reference, outcome))
    return {"checked": checked, "repaired": len(repaired), "outcomes": dict(outcomes), "orders": repaired}
