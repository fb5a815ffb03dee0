"""Report periods: whole days in the campaign's zone, and how rows are put on those days in SQL.

A period is a first and a last day (both included) on the clocks of `CAMPAIGN_TIME_ZONE`; it starts
at midnight there on the first day and ends at midnight there after the last. Instants are stored in
UTC, so a row's day is its UTC instant shifted by the zone's offset at that instant. The offsets come
from Python's zone database, never the database server's: the period is cut into stretches of one
offset (a zone with summer time has a change or two a year), and one CASE picks the stretch's shift.
SQLite then takes `date(instant, '+180 minutes')`, PostgreSQL `to_char(instant AT UTC + 180 min)`, so
both put a row on the same day.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, String, case, cast, func, literal_column
from sqlalchemy.sql.elements import ColumnClause

from marketplace.core import clock
from marketplace.core.errors import ValidationError
from marketplace.core.zones import zone_info

DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DEFAULT_DAYS = 30
MAX_DAYS = 366
EARLIEST = date(2020, 1, 1)  # before the campaign's platform existed: nothing to report


@dataclass(frozen=True)
class ReportPeriod:
    """Days `first` to `last` (both included) on the clocks of `zone`."""

    first: date
    last: date
    zone: str

    @property
    def starts_at(self) -> datetime:
        """Midnight in the zone at the start of `first`, in UTC."""
        return local_midnight(self.first, self.zone)

    @property
    def ends_at(self) -> datetime:
        """Midnight in the zone after `last`, in UTC (excluded)."""
        return local_midnight(self.last + timedelta(days=1), self.zone)

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    @property
    def length(self) -> int:
        return (self.last - self.first).days + 1

    def query_args(self) -> dict[str, str]:
        """The period as the picker's query parameters."""
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}

    @cached_property
    def offset_stretches(self) -> list[tuple[datetime, int]]:
        """(UTC instant from which it holds, offset in minutes) for each stretch of one offset in the period."""
        stretches = [(self.starts_at, _offset_minutes(self.starts_at, self.zone))]
        boundaries = [local_midnight(day, self.zone) for day in self.days[1:]] + [self.ends_at]
        for boundary in boundaries:
            if _offset_minutes(boundary, self.zone) != stretches[-1][1]:
                start = _first_instant_with_new_offset(stretches[-1][0], boundary, stretches[-1][1], self.zone)
                stretches.append((start, _offset_minutes(start, self.zone)))
        return stretches


def local_midnight(day: date, zone: str) -> datetime:
    """The instant (UTC) the day starts on the zone's clocks (its first existing minute when a clock
    change skips midnight)."""
    return datetime.combine(day, time.min, tzinfo=zone_info(zone)).astimezone(UTC)


def today_in(zone: str) -> date:
    """Today's date on the zone's clocks."""
    return clock.now().astimezone(zone_info(zone)).date()


def _offset_minutes(instant: datetime, zone: str) -> int:
    offset = instant.astimezone(zone_info(zone)).utcoffset() or timedelta(0)
    return int(offset.total_seconds() // 60)


def _first_instant_with_new_offset(after: datetime, before: datetime, old: int, zone: str) -> datetime:
    """The first minute in (after, before] whose offset is not `old` (zones change on whole minutes)."""
    low, high = 0, int((before - after).total_seconds() // 60)
    while high - low > 1:
        middle = (low + high) // 2
        if _offset_minutes(after + timedelta(minutes=middle), zone) == old:
            low = middle
        else:
            high = middle
    return after + timedelta(minutes=high)


def local_day(column: ColumnClause | ColumnElement, period: ReportPeriod, dialect: str) -> ColumnElement[str]:
    """SQL for the zone's date ('YYYY-MM-DD') of the UTC instant in `column`, for rows inside `period`."""
    stretches = period.offset_stretches
    # The offsets are integers worked out here, written into the SQL as numbers (no parameter types to guess).
    if len(stretches) == 1:
        minutes: ColumnElement = literal_column(str(int(stretches[0][1])))
    else:
        minutes = case(*[(column < start, literal_column(str(int(offset))))
                         for (_, offset), (start, _) in zip(stretches, stretches[1:], strict=False)],
                       else_=literal_column(str(int(stretches[-1][1]))))
    if dialect == "postgresql":
        shifted = func.timezone(literal_column("'UTC'"), column) + minutes * literal_column("interval '1 minute'")
        return func.to_char(shifted, literal_column("'YYYY-MM-DD'"))
    modifier = case((minutes >= 0, literal_column("'+'")), else_=literal_column("''")).concat(
        cast(minutes, String)).concat(literal_column("' minutes'"))
    return func.date(column, modifier)


def default_period(zone: str) -> ReportPeriod:
    """The last 30 days, today included."""
    last = today_in(zone)
    return ReportPeriod(last - timedelta(days=DEFAULT_DAYS - 1), last, zone)


def parse_period(first: str | None, last: str | None, zone: str) -> ReportPeriod:
    """The period from the picker's two YYYY-MM-DD dates (either left empty: the default's); ValidationError
    naming the field ("first", "last") when a date is unreadable, out of range, in the wrong order, or the
    period too long."""
    default = default_period(zone)
    today = default.last
    errors: dict[str, str] = {}
    days: dict[str, date] = {}
    for name, text, fallback in (("first", first, default.first), ("last", last, default.last)):
        value = (text or "").strip()
        if not value:
            days[name] = fallback
            continue
        try:
            if not DATE_PATTERN.match(value):
                raise ValueError(value)
            days[name] = date.fromisoformat(value)
        except ValueError:
            errors[name] = _("Enter a date as YYYY-MM-DD, for example %(example)s.", example=today.isoformat())
            continue
        if days[name] < EARLIEST:
            errors[name] = _("Choose a day from %(day)s on.", day=EARLIEST.isoformat())
        elif days[name] > today:
            errors[name] = _("Choose a day up to today (%(day)s).", day=today.isoformat())
    if not errors and days["last"] < days["first"]:
        errors["last"] = _("The last day must not be before the first day.")
    if not errors and (days["last"] - days["first"]).days + 1 > MAX_DAYS:
        errors["last"] = _("Choose at most %(count)d days.", count=MAX_DAYS)
    if errors:
        raise ValidationError(next(iter(errors.values())), errors)
    return ReportPeriod(days["first"], days["last"], zone)
