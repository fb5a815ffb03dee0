"""Departures of an option: one at a time, or many from a recurring rule (weekdays × times over a date range)
previewed before saving; cancelling one, and deleting one that has never had a seat sold or held.

Local dates and times are in the experience's zone. A local time the clocks skip or show twice there is
refused, as festivals refuse them: a rule that meets one is refused whole, naming the time, so nothing is
half-created. A rule is capped at MAX_RULE_DEPARTURES.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from campaigns.festivals.experience_deals import pair_departures
from campaigns.festivals.scheduling import local_to_utc
from campaigns.tourism.experiences import owned_option
from campaigns.tourism.models import Departure, DepartureStatus, ExperienceOption
from marketplace.accounts.models import User
from marketplace.catalog.models import Product
from marketplace.core import clock
from marketplace.core.errors import Conflict, NotFound, ValidationError
from marketplace.extensions import db
from marketplace.vendors.models import Store

MAX_RULE_DEPARTURES = 500
MAX_CAPACITY = 10_000
MAX_CUTOFF_HOURS = 24 * 30
MAX_AHEAD_DAYS = 2 * 366  # departures are scheduled at most two years ahead


@dataclass(frozen=True)
class DepartureSpec:
    """What every departure of a request shares: seats and how many hours before the start bookings close."""

    capacity: int | None
    cutoff_hours: int | None


@dataclass(frozen=True)
class DepartureRule:
    """A recurring rule: every chosen weekday (0 Monday … 6 Sunday) at each time, from `first` to `last`."""

    first: date | None
    last: date | None
    weekdays: frozenset[int]
    times: tuple[time, ...]
    spec: DepartureSpec


@dataclass(frozen=True)
class PlannedDeparture:
    local_date: date
    local_time: time
    starts_at: datetime
    exists: bool  # the option already departs then: saving skips it


def _check_spec(spec: DepartureSpec) -> None:
    errors = {}
    if spec.capacity is None or not 1 <= spec.capacity <= MAX_CAPACITY:
        errors["capacity"] = _("Enter a number of seats from %(low)s to %(high)s.", low=format_decimal(1),
                               high=format_decimal(MAX_CAPACITY))
    if spec.cutoff_hours is None or not 0 <= spec.cutoff_hours <= MAX_CUTOFF_HOURS:
        errors["cutoff_hours"] = _("Enter a number of hours from %(low)d to %(high)d.", low=0, high=MAX_CUTOFF_HOURS)
    if errors:
        raise ValidationError(_("Please correct the marked fields."), errors)


def _start(option: ExperienceOption, local_date: date, local_time: time, field: str) -> datetime:
    """The UTC start of a local date and time in the option's zone; ValidationError when the clocks skip it or
    show it twice, or when it is in the past or too far ahead."""
    starts_at = local_to_utc(datetime.combine(local_date, local_time), option.experience.time_zone, field)
    now = clock.now()
    if starts_at <= now:
        message = _("%(date)s is in the past: choose a later date or time.", date=local_date.isoformat())
        raise ValidationError(message, {field: message})
    if starts_at > now + timedelta(days=MAX_AHEAD_DAYS):
        message = _("Departures can be scheduled up to two years ahead.")
        raise ValidationError(message, {field: message})
    return starts_at


def _existing_starts(option_id: int) -> set[datetime]:
    return {clock.to_utc(at) for at in db.session.scalars(
        select(Departure.starts_at).where(Departure.option_id == option_id))}


def _new_departure(option: ExperienceOption, planned: PlannedDeparture, spec: DepartureSpec) -> Departure:
    return Departure(option_id=option.id, experience_id=option.experience_id, starts_at=planned.starts_at,
                     local_date=planned.local_date, local_time=planned.local_time, capacity=spec.capacity,
                     cutoff_hours=spec.cutoff_hours, status=DepartureStatus.SCHEDULED)


def add_departure(user: User, option_id: int, local_date: date | None, local_time: time | None,
                  spec: DepartureSpec) -> Departure:
    """One new departure of the vendor's option; NotFound, ValidationError (a time the clocks skip or repeat,
    in the past, or already a departure of the option)."""
    option = owned_option(user, option_id)
    errors = {}
    if local_date is None:
        errors["local_date"] = _("Choose a date.")
    if local_time is None:
        errors["local_time"] = _("Choose a start time.")
    try:
        _check_spec(spec)
    except ValidationError as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationError(_("Please correct the marked fields."), errors)
    starts_at = _start(option, local_date, local_time, "local_time")
    if starts_at in _existing_starts(option.id):
        message = _("This option already departs at that time.")
        raise ValidationError(message, {"local_time": message})
    departure = _new_departure(option, PlannedDeparture(local_date, local_time, starts_at, False), spec)
    db.session.add(departure)
    db.session.flush()
    pair_departures(departure_ids=[departure.id])  # a festival deal on the experience covers it too
    db.session.commit()
    return departure


def _rule_size(rule: DepartureRule) -> int:
    """How many departures the rule names, counted without building them."""
    full_weeks, rest = divmod((rule.last - rule.first).days + 1, 7)
    # the day after whole weeks falls on the first date's weekday again
    extra = sum(1 for offset in range(rest) if (rule.first.weekday() + offset) % 7 in rule.weekdays)
    return (full_weeks * len(rule.weekdays) + extra) * len(set(rule.times))


def plan_rule(user: User, option_id: int, rule: DepartureRule) -> list[PlannedDeparture]:
    """The departures the rule would create on the vendor's option, in order, those already scheduled
    marked; nothing is saved. NotFound; ValidationError for a bad rule, one over MAX_RULE_DEPARTURES, or a
    local time the clocks skip or show twice (named)."""
    option = owned_option(user, option_id)
    errors = {}
    if rule.first is None:
        errors["first"] = _("Choose the first date.")
    if rule.last is None:
        errors["last"] = _("Choose the last date.")
    elif rule.first is not None and rule.last < rule.first:
        errors["last"] = _("The last date cannot be before the first.")
    if not rule.weekdays or not rule.weekdays <= set(range(7)):
        errors["weekdays"] = _("Choose at least one day of the week.")
    if not rule.times:
        errors["times"] = _("Enter at least one start time, like 07:30.")
    try:
        _check_spec(rule.spec)
    except ValidationError as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationError(_("Please correct the marked fields."), errors)
    size = _rule_size(rule)
    if size > MAX_RULE_DEPARTURES:
        message = _("This rule would create %(count)s departures; one rule creates at most %(limit)s. Shorten the "
                    "dates or choose fewer days or times.", count=format_decimal(size),
                    limit=format_decimal(MAX_RULE_DEPARTURES))
        raise ValidationError(message, {"last": message})
    if size == 0:
        message = _("None of the chosen weekdays falls between these dates.")
        raise ValidationError(message, {"weekdays": message})
    existing = _existing_starts(option.id)
    planned = []
    day = rule.first
    while day <= rule.last:
        if day.weekday() in rule.weekdays:
            for start in sorted(rule.times):
                starts_at = _start(option, day, start, "times")
                planned.append(PlannedDeparture(day, start, starts_at, starts_at in existing))
        day += timedelta(days=1)
    return planned


def create_from_rule(user: User, option_id: int, rule: DepartureRule) -> list[Departure]:
    """Save the departures the rule plans (see `plan_rule`), skipping those already scheduled; the same errors,
    and Conflict when every one of them already exists."""
    option = owned_option(user, option_id)
    planned = [item for item in plan_rule(user, option_id, rule) if not item.exists]
    if not planned:
        raise Conflict(_("Every departure of this rule is already scheduled."))
    created = [_new_departure(option, item, rule.spec) for item in planned]
    db.session.add_all(created)
    db.session.flush()
    pair_departures(departure_ids=[departure.id for departure in created])
    db.session.commit()
    return created


def owned_departure(user: User, departure_id: int) -> Departure:
    """The departure `departure_id` of one of `user`'s experiences; NotFound otherwise."""
    departure = db.session.scalar(
        select(Departure).join(Departure.option).join(ExperienceOption.experience).join(Product)
        .join(Store, Store.id == Product.store_id)
        .where(Departure.id == departure_id, Store.owner_id == user.id)
    )
    if departure is None:
        raise NotFound(_("No such departure."))
    return departure


def change_capacity(user: User, departure_id: int, capacity: int | None) -> Departure:
    """Set the seats of the vendor's departure; NotFound, ValidationError out of range, Conflict (nothing changed)
    below the seats already sold or held. One conditional UPDATE, so a seat taken meanwhile is never lost."""
    departure = owned_departure(user, departure_id)
    if capacity is None or not 1 <= capacity <= MAX_CAPACITY:
        message = _("Enter a number of seats from %(low)s to %(high)s.", low=format_decimal(1),
                    high=format_decimal(MAX_CAPACITY))
        raise ValidationError(message, {"capacity": message})
    changed = db.session.execute(
        update(Departure).where(Departure.id == departure.id,
                                Departure.seats_sold + Departure.seats_held <= capacity)
        .values(capacity=capacity).execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        db.session.rollback()
        taken = db.session.scalar(select(Departure.seats_sold + Departure.seats_held)
                                  .where(Departure.id == departure_id))
        raise Conflict(_("%(count)s seats are already booked: the departure needs at least that many.",
                         count=format_decimal(taken)))
    db.session.commit()
    db.session.refresh(departure)
    return departure


def delete_departure(user: User, departure_id: int) -> None:
    """Delete the vendor's departure; NotFound, Conflict once a seat of it has been sold or is held
    (such a departure can only be cancelled). One conditional DELETE, so a seat taken meanwhile wins."""
    departure = owned_departure(user, departure_id)
    deleted = db.session.execute(
        delete(Departure).where(Departure.id == departure.id, Departure.seats_sold == 0, Departure.seats_held == 0)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not deleted:
        db.session.rollback()
        raise Conflict(_("Seats of this departure are booked: it cannot be deleted, only cancelled."))
    db.session.commit()


def option_departures(option: ExperienceOption, limit: int = 400) -> list[Departure]:
    """The option's departures from the start of today (UTC) on, soonest first, for the vendor's page."""
    since = clock.now() - timedelta(days=1)
    return list(db.session.scalars(
        select(Departure).where(Departure.option_id == option.id, Departure.starts_at >= since)
        .order_by(Departure.starts_at, Departure.id).limit(limit)))
