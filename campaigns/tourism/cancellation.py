"""Giving up a paid booking: the refund quoted first, then the seats freed, the money sent back and the operator's
share reduced, in one transaction; and an operator cancelling a departure, which refunds every booking in full.

The refund follows the experience's policy at the moment of cancelling ("free until N hours before the start,
then X %", or nothing), counted on the real timeline before the departure's start (`policy.refund_percent`), and
is a share of what the shopper was charged for the booking. The shopper confirms the amount they were shown: if
the free window closed while they read it, the cancellation is refused with the new amount, never charged
silently. Money goes back through `marketplace/orders/refunds` (the gateway the shopper paid with), which also
reverses exactly the refunded amount in the store's payables and e-mails the shopper.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import force_locale, format_percent
from flask_babel import gettext as _
from sqlalchemy import select, update

from campaigns.tourism.departures import owned_departure
from campaigns.tourism.display import departure_when
from campaigns.tourism.models import Departure, DepartureStatus, Experience
from campaigns.tourism.policy import refund_percent
from marketplace.accounts.models import User
from marketplace.core import clock
from marketplace.core.errors import Conflict, DomainError, NotFound
from marketplace.core.i18n import current_language
from marketplace.core.money import Money
from marketplace.core.site import page_link
from marketplace.extensions import db
from marketplace.orders.holds.refs import HoldRef
from marketplace.orders.holds.stock import give_back_lines
from marketplace.orders.models import FulfilmentState, Order, OrderEvent, OrderLine, PaymentState, VendorOrder
from marketplace.orders.refunds.services import left_to_refund, record_vendor_order_refund
from marketplace.orders.refunds.sync import send_refund
from marketplace.orders.states import move_vendor_order, update_payment_state

order_lines = OrderLine.__table__
departures = Departure.__table__
CANCELLABLE_PARTS = (FulfilmentState.PAID,)
OTHER_DATES = 3  # offered to the shoppers of a cancelled departure


@dataclass(frozen=True)
class RefundQuote:
    """What cancelling a booking now gives back: the share of the policy and the amount in the charge currency."""

    line: OrderLine
    departure: Departure
    experience: Experience
    percent: int
    amount: Money
    free_until: datetime | None  # the last instant of a full refund; None when there never is one

    @property
    def full(self) -> bool:
        return self.percent == 100


def _booking_line(shopper: User, reference: str, line_id: int) -> OrderLine:
    line = db.session.scalar(
        select(OrderLine).join(OrderLine.order)
        .where(OrderLine.id == line_id, Order.reference == reference, Order.shopper_id == shopper.id))
    if line is None or line.booking is None or line.booking.kind != "departure":
        raise NotFound(_("There is no such booking in your account."))
    return line


def _why_not_cancellable(line: OrderLine, departure: Departure, at: datetime) -> str:
    if line.cancelled_at is not None:
        return _("This booking is cancelled already.")
    if line.order.payment_state != PaymentState.PAID or line.vendor_order.status not in CANCELLABLE_PARTS:
        return _("Only a paid booking can be cancelled here.")
    if clock.to_utc(at) >= clock.to_utc(departure.starts_at):
        return _("This departure has started; it can no longer be cancelled.")
    return ""


def quote_refund(shopper: User, reference: str, line_id: int, at: datetime | None = None) -> RefundQuote:
    """The refund cancelling the shopper's booking would give at `at` (now); NotFound for another shopper's or
    no booking, Conflict when it cannot be cancelled (not paid, cancelled already, departed)."""
    at = at or clock.now()
    line = _booking_line(shopper, reference, line_id)
    departure = db.session.get(Departure, line.booking.id)
    if departure is None:
        raise NotFound(_("There is no such booking in your account."))
    reason = _why_not_cancellable(line, departure, at)
    if reason:
        raise Conflict(reason)
    experience = departure.option.experience
    percent = refund_percent(experience, departure.starts_at, at)
    charged = line.charge_unit_amount * line.quantity
    free_until = None
    if experience.refundable and experience.late_refund_percent < 100:
        free_until = clock.to_utc(departure.starts_at) - timedelta(hours=experience.free_cancel_hours)
    return RefundQuote(line, departure, experience, percent, Money(charged * percent // 100, line.order.currency),
                       free_until)


def cancel_booking(shopper: User, reference: str, line_id: int, quoted_amount: int,
                   at: datetime | None = None) -> RefundQuote:
    """Cancel the shopper's paid booking at the refund they were shown (`quoted_amount`, minor units of the charge
    currency): its seats are free at once, the refund is sent, the operator is owed that much less. Conflict with
    the new amount when the quote changed meanwhile (nothing changes); the errors of `quote_refund`."""
    at = at or clock.now()
    quote = quote_refund(shopper, reference, line_id, at)
    if quote.amount.amount != quoted_amount:
        now_amount = quote.amount.format(current_language().code)
        raise Conflict(_("The refund is now %(amount)s: the free cancellation time ended while you were reading. "
                         "Check the new amount and confirm again.", amount=now_amount))
    line = quote.line
    with force_locale(line.order.language):
        reason = _("Booking cancelled by the traveller: %(percent)s refunded under the experience's policy.",
                   percent=format_percent(quote.percent / 100))
    try:
        refund = _cancel_line(line, shopper.id, quote.amount.amount, reason, at)
    except DomainError:
        db.session.rollback()
        raise
    db.session.commit()
    if refund is not None:
        send_refund(refund)
    return quote


def _cancel_line(line: OrderLine, actor_id: int | None, amount: int, reason: str, at: datetime) -> int | None:
    """In the caller's transaction: claim the line (once), give back its sold seats, record the refund, and cancel
    the store's part when nothing else is left in it; the refund's id to send after the commit (None: nothing)."""
    claimed = db.session.execute(update(order_lines).where(order_lines.c.id == line.id,
                                                           order_lines.c.cancelled_at.is_(None))
                                 .values(cancelled_at=at)).rowcount
    if not claimed:
        raise Conflict(_("This booking is cancelled already."))
    # The departure's seats, and festival seats when it was booked at a festival price, in the lock order.
    give_back_lines([line], line.order.shopper_id, settled=True)
    vendor_order = line.vendor_order
    refund = record_vendor_order_refund(vendor_order, amount, reason, actor_id) if amount else None
    db.session.add(OrderEvent(order_id=line.order_id, vendor_order_id=vendor_order.id, actor_id=actor_id,
                              from_state="booking", to_state="booking:cancelled", note=reason))
    db.session.refresh(vendor_order)
    for other in vendor_order.lines:
        db.session.expire(other, ["cancelled_at"])  # claimed by the UPDATE above
    # The store's part ends cancelled once nothing is left in it and all its money goes back (then refunded when
    # the refunds arrive); a late cancellation's share kept under the policy leaves it paid, nothing owed back.
    if all(other.cancelled_at is not None for other in vendor_order.lines) and not left_to_refund(vendor_order).amount:
        move_vendor_order(vendor_order, FulfilmentState.CANCELLED, actor_id, reason)
        update_payment_state(vendor_order.order, actor_id)
    return refund.id if refund is not None else None


def cancel_departure(user: User, departure_id: int, at: datetime | None = None) -> tuple[Departure, int]:
    """The operator cancels its departure: nobody can book it any more and every paid booking on it is cancelled
    with a full refund (e-mailed to each shopper). Conflict while a shopper is paying for seats on it (their hold
    ends within the reservation time; try again then). NotFound for another operator's departure. Returns the
    departure and how many bookings were refunded."""
    at = at or clock.now()
    departure = owned_departure(user, departure_id)
    lines = db.session.scalars(
        select(OrderLine).join(OrderLine.vendor_order).join(VendorOrder.order)
        .where(OrderLine.booking == HoldRef("departure", departure.id), OrderLine.cancelled_at.is_(None),
               Order.payment_state.in_([PaymentState.PAID, PaymentState.PENDING]),
               VendorOrder.status.in_([FulfilmentState.PENDING, FulfilmentState.PAID]))).all()
    if any(line.order.payment_state == PaymentState.PENDING for line in lines):
        raise Conflict(_("A traveller is paying for seats on this departure right now. Try again when their "
                         "payment ends, in a few minutes."))
    marked = db.session.execute(update(departures).where(departures.c.id == departure.id)
                                .values(status=DepartureStatus.CANCELLED.value)).rowcount
    if not marked:
        raise NotFound(_("No such departure."))
    refunds = []
    others = other_dates(departure, at)
    try:
        for line in lines:
            with force_locale(line.order.language):
                reason = _("The operator cancelled this departure: the booking is refunded in full.")
                offer = other_dates_offer(departure, others, line.order.language)
                reason = f"{reason}\n\n{offer}" if offer else reason
            refund = _cancel_line(line, user.id, line.charge_unit_amount * line.quantity, reason, at)
            if refund is not None:
                refunds.append(refund)
    except DomainError:
        db.session.rollback()
        raise
    db.session.commit()
    for refund in refunds:
        send_refund(refund)
    db.session.refresh(departure)
    return departure, len(lines)


def other_dates(departure: Departure, at: datetime, limit: int = OTHER_DATES) -> list[Departure]:
    """The experience's next departures (any option) that still take bookings and have seats, soonest first."""
    rows = db.session.scalars(
        select(Departure).where(Departure.experience_id == departure.experience_id, Departure.id != departure.id,
                                Departure.status == DepartureStatus.SCHEDULED, Departure.starts_at > at,
                                Departure.seats_sold + Departure.seats_held < Departure.capacity)
        .order_by(Departure.starts_at, Departure.id).limit(limit * 4)
    ).all()
    return [row for row in rows if row.closes_at > clock.to_utc(at)][:limit]


def other_dates_offer(departure: Departure, others: list[Departure], language: str) -> str:
    """A cancelled departure's shoppers are offered the experience's next dates with seats, with a link to book
    one of them, in `language` (the caller's locale); "" when there is none."""
    if not others:
        return ""
    experience = db.session.get(Experience, departure.experience_id)
    dates = "; ".join(departure_when(other, experience.time_zone, language) for other in others)
    link = page_link("tourism.experience", language, slug=experience.product.slug,
                     departure=others[0].id, month=f"{others[0].local_date:%Y-%m}")
    offer = _("Other dates with seats: %(dates)s.", dates=dates)
    return f"{offer} {_('Book one of them here: %(link)s', link=link)}" if link else offer
