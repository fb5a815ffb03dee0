"""Sending refunds to the payment gateway and applying what it says of them, forward only and once each.

`send_refund` calls the gateway outside any transaction, then applies its answer; the same refund sent
twice at once (a double click on "retry", the retry command) goes out with the same idempotency key,
so the gateway makes one refund. A webhook (`refund.*`, `charge.refunded`) is applied in one transaction
with its `PaymentEvent` row, so a replay changes nothing, and may arrive before the answer to our own
call was saved: whichever comes first moves the refund, and a state never goes back a step.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marketplace.core import clock
from marketplace.extensions import db
from marketplace.orders.models import FulfilmentState, Order, OrderEvent, PaymentEvent, PaymentState, VendorOrder
from marketplace.orders.refunds import emails
from marketplace.orders.refunds.models import REFUND_MOVES, SENT_STATES, Refund, RefundState
from marketplace.orders.states import can_move, move_vendor_order, record_payment_state, update_payment_state
from marketplace.payments import (
    GatewayError,
    PaymentGateway,
    RefundRefused,
    RefundReport,
    RefundRequest,
    get_payment_gateway,
)
from marketplace.payments.offline_gateway import OfflineGateway

log = logging.getLogger(__name__)

# What applying a refund report or event did.
MOVED = "moved"
UNCHANGED = "unchanged"
DUPLICATE = "duplicate"
UNKNOWN_REFUND = "unknown_refund"
REREAD = "reread"
NOT_SENT = "not_sent"  # the gateway could not be reached: still requested


def _gateway_for(refund: Refund) -> PaymentGateway | None:
    """The gateway that took the refund's payment (pay on delivery needs no configuration); None when the
    site is no longer configured for it."""
    gateway = get_payment_gateway()
    if gateway.name == refund.gateway:
        return gateway
    if refund.gateway == OfflineGateway.name:
        return OfflineGateway()
    return None


def _history(refund: Refund, before: RefundState, actor_id: int | None, note: str) -> None:
    db.session.add(OrderEvent(order_id=refund.order_id, vendor_order_id=refund.vendor_order_id, actor_id=actor_id,
                              from_state=f"refund:{before.value}", to_state=f"refund:{refund.state.value}",
                              note=note[:1000]))


def move_refund(refund: Refund, target: RefundState, actor_id: int | None, note: str = "") -> tuple[bool, bool]:
    """Move the refund to `target` when that is a step forward, in the caller's transaction (the order row
    locked); (moved, whether the shopper is to be told now). A refund that succeeds settles its part."""
    before = refund.state
    if target not in REFUND_MOVES[before]:
        return False, False
    refund.state = target
    refund.updated_at = clock.now()
    if target == RefundState.SUCCEEDED:
        refund.completed_at = clock.now()
    _history(refund, before, actor_id, note)
    tell = target in SENT_STATES and not refund.shopper_told
    if tell:
        refund.shopper_told = True
    if target == RefundState.SUCCEEDED:
        _settle(refund, actor_id)
    return True, tell


def _settle(refund: Refund, actor_id: int | None) -> None:
    """A refund succeeded: a part whose whole payment is now back moves to refunded (when its state allows),
    and the order's payment state follows; an order refunded as a whole becomes refunded once all is back."""
    order = db.session.get(Order, refund.order_id)
    same_part = (Refund.vendor_order_id.is_(None) if refund.vendor_order_id is None
                 else Refund.vendor_order_id == refund.vendor_order_id)
    db.session.flush()
    back = db.session.scalars(select(Refund.amount).where(
        Refund.order_id == refund.order_id, same_part, Refund.state == RefundState.SUCCEEDED)).all()
    if refund.vendor_order_id is None:
        if order.payment_state == PaymentState.REFUND_DUE and sum(back) >= order.paid_amount:
            record_payment_state(order, PaymentState.REFUNDED, actor_id, "refunded through the payment service")
        return
    part = db.session.get(VendorOrder, refund.vendor_order_id)
    if sum(back) >= part.subtotal_amount and can_move(part.status, FulfilmentState.REFUNDED):
        move_vendor_order(part, FulfilmentState.REFUNDED, actor_id, refund.reason)
        update_payment_state(order, actor_id)


def _lock_order(order_id: int) -> None:
    db.session.execute(select(Order.id).where(Order.id == order_id).with_for_update())


def _apply(refund: Refund, report: RefundReport) -> tuple[str, bool]:
    """Apply the gateway's word on the refund (the order row locked by the caller); (outcome, tell)."""
    if report.reference and refund.gateway_refund_id and report.reference != refund.gateway_refund_id:
        return UNCHANGED, False  # about an earlier attempt that failed, not the one under way
    if report.reference and not refund.gateway_refund_id:
        refund.gateway_refund_id = report.reference[:255]
    if report.payment_reference and not refund.gateway_payment_id:
        refund.gateway_payment_id = report.payment_reference[:255]
    if report.amount and (report.amount, report.currency) != (refund.amount, refund.currency):
        log.error("refund %s: the gateway reports %s %s, we asked for %s %s", refund.id, report.amount,
                  report.currency, refund.amount, refund.currency)
    target = RefundState(report.outcome)
    note = " ".join(part for part in (report.event_type, report.failure) if part)
    before = refund.state
    moved, tell = move_refund(refund, target, None, note)
    if target == RefundState.FAILED and moved:
        refund.last_error = (report.failure or "refused by the payment service")[:1000]
        log.error("refund %s of order %s failed: %s", refund.id, refund.order_id, refund.last_error)
    elif target == RefundState.FAILED and before == RefundState.SUCCEEDED:
        # Stripe may report a refund failed after it succeeded (the bank returned it): a person must look.
        log.error("refund %s of order %s failed after it had succeeded: %s", refund.id, refund.order_id,
                  report.failure)
    return (MOVED if moved else UNCHANGED), tell


def send_refund(refund_id: int) -> Refund:
    """Ask the gateway to send a requested refund and apply its answer; the refund as it then stands.

    Never raises for the gateway: one that cannot be reached leaves the refund requested with the error
    noted (retried later with the same key), one that refuses it marks it failed for staff.
    """
    refund = db.session.get(Refund, refund_id)
    if refund is None or refund.state != RefundState.REQUESTED:
        return refund
    gateway = _gateway_for(refund)
    request = RefundRequest(refund_id=refund.id, payment_reference=refund.payment_reference, amount=refund.amount,
                            currency=refund.currency, order_reference=refund.order.reference, reason=refund.reason,
                            idempotency_key=refund.idempotency_key)
    gateway_name = refund.gateway
    db.session.rollback()  # no transaction (and no lock) stays open while the gateway is called
    report: RefundReport | None = None
    error = ""
    if gateway is None:
        error = f"the {gateway_name} payment service is not configured on this site"
    else:
        try:
            report = gateway.refund(request)
        except RefundRefused as exc:
            report = RefundReport(reference="", refund_id=refund_id, outcome=RefundState.FAILED.value,
                                  amount=0, currency="", failure=str(exc))
        except GatewayError as exc:
            error = str(exc)
            log.warning("refund %s not sent, to be retried: %s", refund_id, exc)
    try:
        refund = db.session.get(Refund, refund_id)
        _lock_order(refund.order_id)
        db.session.refresh(refund)
        refund.attempts += 1
        tell = False
        if report is not None:
            _outcome, tell = _apply(refund, report)
        else:
            refund.last_error = error[:1000]
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    if tell:
        emails.refund_sent(refund)
    return refund


def _find(report: RefundReport, gateway_name: str) -> Refund | None:
    refund = db.session.get(Refund, report.refund_id) if report.refund_id is not None else None
    if refund is None and report.reference:
        refund = db.session.scalars(select(Refund).where(Refund.gateway_refund_id == report.reference)).first()
    if refund is None or refund.gateway != gateway_name:
        return None
    return refund


def apply_refund_event(report: RefundReport, gateway_name: str, at: datetime | None = None) -> str:
    """Apply one refund webhook event once (a replay returns "duplicate"); a `charge.refunded` that names
    only the payment re-reads our refunds of it from the gateway. ValueError without an event id."""
    if not report.event_id:
        raise ValueError("a refund event needs an event id to be applied once")
    event = PaymentEvent(gateway=gateway_name, event_id=report.event_id[:255],
                         kind=(report.event_type or "refund")[:80], received_at=at or clock.now())
    db.session.add(event)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return DUPLICATE
    tell, refund, outcome = False, None, UNKNOWN_REFUND
    to_reread: list[str] = []
    try:
        if not report.reference:
            to_reread = list(db.session.scalars(select(Refund.gateway_refund_id).where(
                Refund.gateway == gateway_name, Refund.gateway_payment_id == report.payment_reference,
                Refund.gateway_refund_id != "",
                Refund.state.in_([RefundState.REQUESTED, RefundState.PENDING]))))
            outcome = REREAD
        else:
            refund = _find(report, gateway_name)
            if refund is not None:
                event.order_id = refund.order_id
                _lock_order(refund.order_id)
                db.session.refresh(refund)
                outcome, tell = _apply(refund, report)
            else:
                log.warning("%s event %s names no refund of ours: %s", gateway_name, report.event_id,
                            report.reference)
        event.outcome = outcome
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    if tell and refund is not None:
        emails.refund_sent(refund)
    for reference in to_reread:
        reread_refund(reference, gateway_name)
    return outcome


def reread_refund(reference: str, gateway_name: str) -> str:
    """Read one refund back from the gateway and apply what it says; "not_sent" when it cannot be reached."""
    gateway = get_payment_gateway()
    if gateway.name != gateway_name:
        return UNKNOWN_REFUND
    try:
        report = gateway.refund_status(reference)
    except GatewayError as exc:
        log.warning("refund %s could not be re-read: %s", reference, exc)
        return NOT_SENT
    refund = _find(report, gateway_name)
    if refund is None:
        return UNKNOWN_REFUND
    try:
        _lock_order(refund.order_id)
        db.session.refresh(refund)
        outcome, tell = _apply(refund, report)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    if tell:
        emails.refund_sent(refund)
    return outcome


def retry_refunds() -> dict[str, int]:
    """Send every refund still requested (same keys: none is paid twice) and re-read those on their way;
    {"sent", "still_requested", "reread"}. For `flask payments refunds` and scheduled jobs."""
    requested = list(db.session.scalars(select(Refund.id).where(Refund.state == RefundState.REQUESTED)
                                        .order_by(Refund.id)))
    pending = db.session.execute(select(Refund.gateway_refund_id, Refund.gateway).where(
        Refund.state == RefundState.PENDING, Refund.gateway_refund_id != "").order_by(Refund.id)).all()
    db.session.rollback()
    still = 0
    for refund_id in requested:
        if send_refund(refund_id).state == RefundState.REQUESTED:
            still += 1
    for reference, gateway_name in pending:
        reread_refund(reference, gateway_name)
    return {"sent": len(requested) - still, "still_requested": still, "reread": len(pending)}
