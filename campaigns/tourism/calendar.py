"""What a shopper sees of an experience's departures: each departure's state, a month calendar of them in the
experience's zone, and the total of a choice of seats on an option.

States are worked out at read time from the departure's counters and `now`: closed once its booking cutoff
has passed, sold out when no seat is left, limited under half the seats left, else available.
"""
from __future__ import annotations

import calendar as month_grid
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import Exists, exists, select

from campaigns.tourism.models import Departure, DepartureStatus, Experience, ExperienceOption, UnitKind, UnitType
from marketplace.core.clock import to_utc
from marketplace.core.errors import ValidationError
from marketplace.core.money import Money
from marketplace.core.zones import zone_info
from marketplace.extensions import db

MONTHS_AHEAD = 24  # how far the calendar pages forward
MAX_ID = 2**31 - 1


class DepartureState(enum.StrEnum):
    AVAILABLE = "available"
    LIMITED = "limited"  # under half the seats left
    SOLD_OUT = "sold_out"
    CLOSED = "closed"  # the booking cutoff has passed
    CANCELLED = "cancelled"


# A day shows the best state among its departures.
STATE_ORDER = (DepartureState.AVAILABLE, DepartureState.LIMITED, DepartureState.SOLD_OUT, DepartureState.CLOSED,
               DepartureState.CANCELLED)


def departure_state(departure: Departure, now: datetime) -> DepartureState:
    """The departure's state for a shopper at `now`."""
    if departure.status == DepartureStatus.CANCELLED:
        return DepartureState.CANCELLED
    if to_utc(now) >= departure.closes_at:
        return DepartureState.CLOSED
    left = departure.seats_left
    if left <= 0:
        return DepartureState.SOLD_OUT
    if left * 2 < departure.capacity:
        return DepartureState.LIMITED
    return DepartureState.AVAILABLE


def state_label(state: DepartureState) -> str:
    """The state in the reader's language."""
    return {
        DepartureState.AVAILABLE: _("Available"),
        DepartureState.LIMITED: _("Limited seats"),
        DepartureState.SOLD_OUT: _("Sold out"),
        DepartureState.CLOSED: _("Booking closed"),
        DepartureState.CANCELLED: _("Cancelled"),
    }[state]


@dataclass(frozen=True)
class DepartureView:
    departure: Departure
    state: DepartureState


@dataclass(frozen=True)
class CalendarDay:
    day: date
    in_month: bool
    departures: list[DepartureView]

    @property
    def state(self) -> DepartureState | None:
        """The best state among the day's departures; None without any."""
        states = {view.state for view in self.departures}
        return next((state for state in STATE_ORDER if state in states), None)


@dataclass(frozen=True)
class MonthCalendar:
    year: int
    month: int
    weeks: list[list[CalendarDay]]
    previous: tuple[int, int] | None  # (year, month) the "previous" link opens; None before the current month
    following: tuple[int, int] | None

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    def departures(self) -> list[DepartureView]:
        return [view for week in self.weeks for day in week if day.in_month for view in day.departures]


def parse_month(text: str | None, today: date) -> tuple[int, int] | None:
    """(year, month) from "2027-02", when it is within the months a calendar shows from `today`; else None."""
    parts = (text or "").split("-")
    if len(parts) != 2 or not all(part.isdecimal() and len(part) <= 4 for part in parts):
        return None
    year, month = int(parts[0]), int(parts[1])
    if not 1 <= month <= 12:
        return None
    offset = (year - today.year) * 12 + month - today.month
    return (year, month) if 0 <= offset <= MONTHS_AHEAD else None


def _shift(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + months
    return index // 12, index % 12 + 1


def priced_departure() -> Exists:
    """A condition on departures: their option has at least one price (shoppers never see the others)."""
    return exists().where(UnitType.option_id == Departure.option_id)


def first_open_month(experience: Experience, now: datetime, today: date) -> tuple[int, int]:
    """The month of the experience's next departure that still takes bookings, else the current month."""
    upcoming = db.session.scalar(
        select(Departure.local_date).where(Departure.experience_id == experience.id,
                                           priced_departure(),
                                           Departure.status == DepartureStatus.SCHEDULED,
                                           Departure.starts_at > to_utc(now))
        .order_by(Departure.starts_at).limit(1))
    if upcoming is None or parse_month(f"{upcoming.year}-{upcoming.month}", today) is None:
        return today.year, today.month
    return upcoming.year, upcoming.month


def month_calendar(experience: Experience, year: int, month: int, now: datetime, today: date,
                   first_weekday: int = 0) -> MonthCalendar:
    """The month's weeks (starting on `first_weekday`, 0 Monday), each day with its departures and their states;
    `today` is the date in the experience's zone. One query for the month."""
    weeks_of_dates = month_grid.Calendar(first_weekday).monthdatescalendar(year, month)
    rows = db.session.scalars(
        select(Departure).where(Departure.experience_id == experience.id,
                                priced_departure(),
                                Departure.local_date >= weeks_of_dates[0][0],
                                Departure.local_date <= weeks_of_dates[-1][-1])
        .order_by(Departure.starts_at, Departure.id))
    by_day: dict[date, list[DepartureView]] = {}
    for departure in rows:
        by_day.setdefault(departure.local_date, []).append(DepartureView(departure, departure_state(departure, now)))
    weeks = [[CalendarDay(day, day.month == month, by_day.get(day, []) if day.month == month else [])
              for day in week] for week in weeks_of_dates]
    previous, following = _shift(year, month, -1), _shift(year, month, 1)
    return MonthCalendar(
        year, month, weeks,
        previous if parse_month(f"{previous[0]}-{previous[1]}", today) else None,
        following if parse_month(f"{following[0]}-{following[1]}", today) else None,
    )


def zone_of(experience: Experience):
    """The experience's zone as a tzinfo (UTC for one this machine does not know)."""
    return zone_info(experience.time_zone)


def find_departure(departure_id: int) -> Departure | None:
    """The departure `departure_id` of an option with prices; None otherwise."""
    if not 0 < departure_id <= MAX_ID:
        return None
    departure = db.session.get(Departure, departure_id)
    return departure if departure is not None and departure.option.units else None


def option_departure(experience: Experience, departure_id: int | None) -> Departure | None:
    """The experience's departure `departure_id`; None for a missing id, one of another experience, or one of an
    option without prices."""
    if departure_id is None or not 0 < departure_id <= MAX_ID:  # larger ids cannot exist (nor be bound)
        return None
    departure = db.session.get(Departure, departure_id)
    if departure is None or departure.experience_id != experience.id or not departure.option.units:
        return None
    return departure


def quote_units(option: ExperienceOption, counts: Mapping[str, int]) -> Money:
    """The total for `counts` seats by unit kind on `option`; ValidationError (in the reader's language) for a
    count under a unit's minimum or over its maximum, a kind the option does not sell, no seat at all, or a
    seat that requires an adult booked without one."""
    units: dict[str, UnitType] = {unit.kind.value: unit for unit in option.units}
    errors: dict[str, str] = {}
    for kind, count in counts.items():
        if count and kind not in units:
            errors[f"units-{kind}"] = _("This option has no price for this kind of traveller.")
    for kind, unit in units.items():
        count = counts.get(kind, 0)
        if count < unit.min_per_booking:
            errors[f"units-{kind}"] = _("At least %(count)d per booking.", count=unit.min_per_booking)
        elif count > unit.max_per_booking:
            errors[f"units-{kind}"] = _("At most %(count)d per booking.", count=unit.max_per_booking)
    if errors:
        raise ValidationError(_("Please correct the marked fields."), errors)
    if sum(counts.values()) <= 0:
        raise ValidationError(_("Choose at least one traveller."), {})
    grown_up = counts.get(UnitKind.ADULT.value, 0) + counts.get(UnitKind.SENIOR.value, 0)
    needing = [kind for kind, unit in units.items() if unit.requires_adult and counts.get(kind, 0)]
    if needing and not grown_up:
        message = _("Children travel with at least one adult: add an adult.")
        raise ValidationError(message, {f"units-{needing[0]}": message})
    total = Money(0, next(iter(units.values())).currency)
    for kind, count in counts.items():
        if count:
            total = total + units[kind].price * count
    return total
