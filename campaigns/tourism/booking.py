"""Booking departures through the cart: the holder of departure seats and the booker that prices a booking.

Seats are counted on the departure row. Holding `n` seats for an unpaid order is one conditional UPDATE,
`seats_held + n` where `seats_sold + seats_held + n <= capacity` on a scheduled departure, so two shoppers
can never take the last seat twice on SQLite or PostgreSQL (and the table's check refuses any count that
would overbook). A payment moves the seats from held to sold (`settle`); an order that lapses, is cancelled
or refunded gives them back. Both classes work in the caller's transaction and never commit or roll back
(see `marketplace/orders/holds`); checkout takes the seats after the products' stock and festival deal
units, in the one lock order.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import update

from campaigns.festivals.experience_deals import booking_price, festival_seats
from campaigns.tourism.calendar import quote_units
from campaigns.tourism.display import departure_when, option_name, unit_label
from campaigns.tourism.models import Departure, DepartureStatus, Experience
from marketplace.core.clock import to_utc
from marketplace.core.errors import Conflict, NotFound
from marketplace.extensions import db
from marketplace.orders.bookings import BookingQuote
from marketplace.orders.holds.refs import HoldRef

KIND = "departure"
departures = Departure.__table__


def _departure(ref: HoldRef) -> Departure:
    departure = db.session.get(Departure, ref.id) if ref.kind == KIND else None
    if departure is None:
        raise NotFound(_("There is no such departure."))
    return departure


def _full(seats_left: int) -> str:
    if seats_left <= 0:
        return _("This departure is sold out.")
    return ngettext("Only %(num)d seat is left on this departure.", "Only %(num)d seats are left on this departure.",
                    seats_left)


def closed_reason(departure: Departure, at: datetime) -> str:
    """Why the departure takes no booking at `at` (cancelled, cutoff passed), "" when it does."""
    if departure.status == DepartureStatus.CANCELLED:
        return _("This departure was cancelled by the operator.")
    if to_utc(at) >= departure.closes_at:
        return ngettext("Booking closed %(num)d hour before the start.",
                        "Booking closed %(num)d hours before the start.", departure.cutoff_hours)
    return ""


class DepartureSeats:
    """The holder of departure seats (`HoldRef("departure", id)`), registered at start-up."""

    def take(self, ref: HoldRef, owner_id: int, quantity: int, at: datetime) -> None:
        departure = _departure(ref)
        reason = closed_reason(departure, at)
        if reason:
            raise Conflict(reason)
        self._hold(ref, quantity)

    def _hold(self, ref: HoldRef, quantity: int) -> None:
        if quantity < 1:
            raise Conflict(_("Choose at least one traveller."))
        taken = db.session.execute(
            update(departures)
            .where(departures.c.id == ref.id, departures.c.status == DepartureStatus.SCHEDULED.value,
                   departures.c.seats_sold + departures.c.seats_held + quantity <= departures.c.capacity)
            .values(seats_held=departures.c.seats_held + quantity)
        ).rowcount
        if not taken:
            departure = _departure(ref)
            db.session.refresh(departure)  # the counts as they are now, for the message
            if departure.status == DepartureStatus.CANCELLED:
                raise Conflict(_("This departure was cancelled by the operator."))
            raise Conflict(_full(departure.seats_left))

    def retake(self, ref: HoldRef, owner_id: int, quantity: int) -> None:
        """Seats again for a payment that arrived after the hold lapsed: the shopper paid while booking was open,
        so only the seats left and the departure still running count, not the cutoff."""
        self._hold(ref, quantity)

    def give_back(self, ref: HoldRef, owner_id: int, quantity: int, settled: bool = False) -> None:
        column = departures.c.seats_sold if settled else departures.c.seats_held
        given = db.session.execute(
            update(departures).where(departures.c.id == ref.id, column >= quantity).values({column: column - quantity})
        ).rowcount
        if not given:
            raise Conflict(_("These seats were not held."))

    def settle(self, ref: HoldRef, owner_id: int, quantity: int) -> None:
        moved = db.session.execute(
            update(departures).where(departures.c.id == ref.id, departures.c.seats_held >= quantity)
            .values(seats_held=departures.c.seats_held - quantity, seats_sold=departures.c.seats_sold + quantity)
        ).rowcount
        if not moved:
            raise Conflict(_("These seats were not held."))

    def why_not(self, ref: HoldRef, owner_id: int | None, at: datetime) -> str:
        departure = db.session.get(Departure, ref.id) if ref.kind == KIND else None
        if departure is None:
            return _("There is no such departure.")
        return closed_reason(departure, at) or (_full(0) if departure.seats_left <= 0 else "")


def _reader(language: str | Sequence[str]) -> str:
    return language if isinstance(language, str) else (language[0] if language else "en")


class DepartureBooker:
    """Prices and describes a booking of a departure (`orders/bookings.py`), registered at start-up."""

    def quote(self, ref: HoldRef, product_id: int, units: Mapping[str, int], at: datetime,
              language: str | Sequence[str]) -> BookingQuote:
        departure = db.session.get(Departure, ref.id) if ref.kind == KIND else None
        experience = db.session.get(Experience, departure.experience_id) if departure is not None else None
        if experience is None or experience.product_id != product_id or not departure.option.units:
            raise NotFound(_("This date is not one of this experience's departures."))
        regular = quote_units(departure.option, units)  # ValidationError for units out of bounds
        counts = {unit.kind.value: units.get(unit.kind.value, 0) for unit in departure.option.units}
        seats = sum(counts.values())
        festival = festival_seats(product_id, departure.id, seats, at) if regular.amount else None
        amounts = {unit.kind.value: festival.unit_amount(unit.price_amount) if festival else unit.price_amount
                   for unit in departure.option.units}
        priced = {kind: {"count": counts[kind], "amount": amounts[kind]} for kind in amounts if counts[kind]}
        price = booking_price(priced, regular.currency) if festival else regular
        reader = _reader(language)
        with force_locale(reader):  # the detail is kept on the order as the shopper read it
            party = ", ".join(f"{entry['count']} × {unit_label(kind)}" for kind, entry in priced.items())
            detail = " · ".join(part for part in (option_name(departure.option, language).text,
                                                  departure_when(departure, experience.time_zone, reader), party)
                                if part)
            labels = {kind: unit_label(kind) for kind in priced}
        problem = closed_reason(departure, at)
        if not problem and departure.seats_left < seats:
            problem = _full(departure.seats_left)
        return BookingQuote(price=price, seats=seats, units=priced, unit_labels=labels, detail=detail, problem=problem,
                            regular=regular if festival else None, offer=festival.offer if festival else None)

    def describe(self, ref: HoldRef, counts: Mapping[str, int], language: str) -> str:
        departure = db.session.get(Departure, ref.id) if ref.kind == KIND else None
        if departure is None:
            return ""
        with force_locale(language):
            party = ", ".join(f"{count} × {unit_label(kind)}" for kind, count in counts.items() if count)
            when = departure_when(departure, departure.option.experience.time_zone, language)
            return " · ".join(part for part in (option_name(departure.option, language).text, when, party) if part)
