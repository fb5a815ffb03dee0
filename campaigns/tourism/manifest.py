"""An operator's manifest of one departure: who booked, who travels, how to reach them, and check-in on the day.

Only the operator of the departure's experience reads it (NotFound for anyone else's). Confirmed bookings are the
paid ones; bookings whose payment is still awaited are listed apart (their seats are held, they may lapse).
Check-in marks one traveller present (or not) and is open from 12 hours before the start to 24 hours after it.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from campaigns.tourism.departures import owned_departure
from campaigns.tourism.models import Departure
from marketplace.accounts.models import User
from marketplace.core import clock
from marketplace.core.errors import Conflict, NotFound
from marketplace.core.spreadsheet import safe_cell
from marketplace.extensions import db
from marketplace.orders.holds.refs import HoldRef
from marketplace.orders.models import FulfilmentState, Order, OrderLine, PaymentState, Traveller, VendorOrder

CHECK_IN_OPENS = timedelta(hours=12)
CHECK_IN_CLOSES = timedelta(hours=24)
LIVE_PARTS = (FulfilmentState.PENDING, FulfilmentState.PAID, FulfilmentState.PACKED, FulfilmentState.SHIPPED,
              FulfilmentState.DELIVERED)
travellers_table = Traveller.__table__


@dataclass(frozen=True)
class Booking:
    """One booking on the manifest: the order, its lead traveller and the line with its travellers."""

    order: Order
    line: OrderLine

    @property
    def confirmed(self) -> bool:
        return self.order.payment_state == PaymentState.PAID


@dataclass
class Manifest:
    departure: Departure
    confirmed: list[Booking] = field(default_factory=list)
    awaiting_payment: list[Booking] = field(default_factory=list)

    @property
    def travellers(self) -> int:
        return sum(len(booking.line.travellers) for booking in self.confirmed)

    @property
    def sold_elsewhere(self) -> int:
        """Seats counted sold that no confirmed booking here holds: sold by the operator through other channels."""
        return max(0, self.departure.seats_sold - sum(booking.line.seats for booking in self.confirmed))

    @property
    def checked_in(self) -> int:
        return sum(1 for booking in self.confirmed for person in booking.line.travellers if person.checked_in_at)


def departure_manifest(user: User, departure_id: int) -> Manifest:
    """The manifest of the vendor's departure; NotFound for another vendor's or a missing one."""
    departure = owned_departure(user, departure_id)
    lines = db.session.scalars(
        select(OrderLine).join(OrderLine.vendor_order).join(VendorOrder.order)
        .where(OrderLine.booking == HoldRef("departure", departure.id), OrderLine.cancelled_at.is_(None),
               VendorOrder.status.in_(LIVE_PARTS), Order.payment_state.in_([PaymentState.PAID, PaymentState.PENDING]))
        .options(selectinload(OrderLine.travellers), selectinload(OrderLine.order))
        .order_by(Order.id)
    ).all()
    manifest = Manifest(departure)
    for line in lines:
        booking = Booking(line.order, line)
        (manifest.confirmed if booking.confirmed else manifest.awaiting_payment).append(booking)
    return manifest


def check_in_window(departure: Departure) -> tuple[datetime, datetime]:
    start = clock.to_utc(departure.starts_at)
    return start - CHECK_IN_OPENS, start + CHECK_IN_CLOSES


def check_in(user: User, departure_id: int, traveller_id: int, present: bool, at: datetime | None = None) -> Traveller:
    """Mark a traveller of a confirmed booking of the vendor's departure present (or not); NotFound for a traveller
    of another departure or booking not confirmed, Conflict outside the check-in window. One conditional UPDATE."""
    departure = owned_departure(user, departure_id)
    traveller = db.session.scalar(
        select(Traveller).join(Traveller.line).join(OrderLine.vendor_order).join(VendorOrder.order)
        .where(Traveller.id == traveller_id, OrderLine.booking == HoldRef("departure", departure.id),
               OrderLine.cancelled_at.is_(None),
               VendorOrder.status.in_(LIVE_PARTS), Order.payment_state == PaymentState.PAID))
    if traveller is None:
        raise NotFound(_("This traveller is not on this departure's manifest."))
    at = at or clock.now()
    opens, closes = check_in_window(departure)
    if not opens <= at <= closes:
        raise Conflict(_("Check-in opens 12 hours before the start and closes a day after it."))
    db.session.execute(update(travellers_table).where(travellers_table.c.id == traveller.id)
                       .values(checked_in_at=at if present else None))
    db.session.commit()
    db.session.refresh(traveller)
    return traveller


def manifest_csv(manifest: Manifest, unit_label, country_name) -> str:
    """The confirmed travellers as CSV (UTF-8 with a BOM for spreadsheet apps; no cell runs as a formula)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([_("Order"), _("Lead traveller"), _("Phone"), _("E-mail"), _("Traveller"), _("Type"),
                     _("Nationality"), _("Notes"), _("Checked in")])
    for booking in manifest.confirmed:
        order = booking.order
        for person in booking.line.travellers:
            writer.writerow([safe_cell(text) for text in (
                order.reference, order.recipient_name, order.phone, order.email, person.name, unit_label(person.unit),
                country_name(person.nationality) if person.nationality else "", person.notes,
                clock.to_utc(person.checked_in_at).strftime("%Y-%m-%d %H:%M UTC") if person.checked_in_at else "")])
    return out.getvalue()
