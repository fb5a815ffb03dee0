"""Departures: one at a time or from a recurring rule previewed first, capped, refusing local times the
Casablanca clocks skip or repeat; cancelling, and deleting only what nobody has booked."""
from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from campaigns.tourism import cancellation, departures
from campaigns.tourism.departures import DepartureRule, DepartureSpec
from campaigns.tourism.models import Departure, DepartureStatus
from marketplace.accounts.models import Role
from marketplace.core.errors import Conflict, NotFound, ValidationError
from marketplace.extensions import db

SPEC = DepartureSpec(capacity=10, cutoff_hours=48)


def departure_count() -> int:
    return db.session.scalar(select(func.count(Departure.id)))


def rule(first: date, last: date, weekdays=range(7), times=(time(9, 0),), spec=SPEC) -> DepartureRule:
    return DepartureRule(first, last, frozenset(weekdays), tuple(times), spec)


def test_a_departure_is_stored_in_utc_with_its_local_date_and_time(frozen, make_experience, vendor):
    option = make_experience().options[0]
    winter = departures.add_departure(vendor, option.id, date(2027, 2, 10), time(9, 0), SPEC)  # UTC+0 in Ramadan
    spring = departures.add_departure(vendor, option.id, date(2027, 3, 20), time(9, 0), SPEC)  # UTC+1 after it
    assert winter.starts_at.replace(tzinfo=UTC) == datetime(2027, 2, 10, 9, 0, tzinfo=UTC)
    assert spring.starts_at.replace(tzinfo=UTC) == datetime(2027, 3, 20, 8, 0, tzinfo=UTC)
    assert (spring.local_date, spring.local_time) == (date(2027, 3, 20), time(9, 0))


@pytest.mark.parametrize(("day", "start", "words"), [
    (date(2027, 3, 14), time(2, 30), "does not exist"),  # clocks jump from 02:00 to 03:00
    (date(2027, 2, 7), time(2, 30), "happens twice"),  # clocks go back from 03:00 to 02:00
])
def test_a_local_time_the_clocks_skip_or_repeat_is_refused(frozen, make_experience, vendor, day, start, words):
    option = make_experience().options[0]
    with pytest.raises(ValidationError) as refused:
        departures.add_departure(vendor, option.id, day, start, SPEC)
    assert words in refused.value.message and "local_time" in refused.value.fields
    assert departure_count() == 0


@pytest.mark.parametrize(("day", "start", "spec", "field"), [
    (None, time(9, 0), SPEC, "local_date"),
    (date(2027, 2, 1), None, SPEC, "local_time"),
    (date(2027, 2, 1), time(9, 0), DepartureSpec(0, 48), "capacity"),
    (date(2027, 2, 1), time(9, 0), DepartureSpec(10, -1), "cutoff_hours"),
    (date(2027, 2, 1), time(9, 0), DepartureSpec(None, 48), "capacity"),
    (date(2027, 1, 1), time(9, 0), SPEC, "local_time"),  # in the past
    (date(2031, 1, 1), time(9, 0), SPEC, "local_time"),  # more than two years ahead
])
def test_bad_departures_are_refused(frozen, make_experience, vendor, day, start, spec, field):
    option = make_experience().options[0]
    with pytest.raises(ValidationError) as refused:
        departures.add_departure(vendor, option.id, day, start, spec)
    assert field in refused.value.fields
    assert departure_count() == 0


def test_the_same_start_twice_is_refused(frozen, make_experience, vendor):
    option = make_experience().options[0]
    departures.add_departure(vendor, option.id, date(2027, 2, 10), time(9, 0), SPEC)
    with pytest.raises(ValidationError):
        departures.add_departure(vendor, option.id, date(2027, 2, 10), time(9, 0), SPEC)
    assert departure_count() == 1


def test_a_rule_is_previewed_without_saving_then_saved_skipping_existing_ones(frozen, make_experience, vendor):
    option = make_experience().options[0]
    departures.add_departure(vendor, option.id, date(2027, 2, 1), time(9, 0), SPEC)  # a Monday
    weekly = rule(date(2027, 2, 1), date(2027, 2, 28), weekdays=(0, 4), times=(time(9, 0), time(16, 0)))
    planned = departures.plan_rule(vendor, option.id, weekly)
    assert len(planned) == 16  # 4 Mondays and 4 Fridays, twice a day
    assert [p.exists for p in planned].count(True) == 1
    assert departure_count() == 1  # a preview saves nothing
    created = departures.create_from_rule(vendor, option.id, weekly)
    assert len(created) == 15 and departure_count() == 16
    with pytest.raises(Conflict):
        departures.create_from_rule(vendor, option.id, weekly)


def test_a_rule_across_the_ramadan_change_keeps_local_times(frozen, make_experience, vendor):
    option = make_experience().options[0]
    planned = departures.plan_rule(vendor, option.id, rule(date(2027, 2, 5), date(2027, 2, 9)))
    assert [p.local_time for p in planned] == [time(9, 0)] * 5
    assert [p.starts_at.hour for p in planned] == [8, 8, 9, 9, 9]  # UTC+1 before 7 February, UTC+0 from then


def test_a_rule_meeting_a_repeated_local_time_is_refused_whole(frozen, make_experience, vendor):
    option = make_experience().options[0]
    with pytest.raises(ValidationError) as refused:
        departures.create_from_rule(vendor, option.id, rule(date(2027, 2, 1), date(2027, 2, 14), times=[time(2, 30)]))
    assert "2027-02-07 02:30" in refused.value.message
    assert departure_count() == 0


def test_a_rule_that_would_make_ten_thousand_departures_is_capped_with_a_message(frozen, make_experience, vendor):
    option = make_experience().options[0]
    every_half_hour = [time(hour, minute) for hour in range(6, 20) for minute in (0, 30)]
    with pytest.raises(ValidationError) as refused:
        departures.plan_rule(vendor, option.id, rule(date(2027, 2, 1), date(2028, 1, 31), times=every_half_hour))
    assert "10,220" in refused.value.message and "500" in refused.value.message
    assert departure_count() == 0


@pytest.mark.parametrize(("first", "last", "weekdays", "times", "field"), [
    (date(2027, 3, 1), date(2027, 2, 1), range(7), [time(9, 0)], "last"),
    (None, date(2027, 2, 1), range(7), [time(9, 0)], "first"),
    (date(2027, 2, 1), date(2027, 2, 3), [], [time(9, 0)], "weekdays"),
    (date(2027, 2, 1), date(2027, 2, 3), range(7), [], "times"),
    (date(2027, 2, 1), date(2027, 2, 3), [6], [time(9, 0)], "weekdays"),  # no Sunday between them
])
def test_bad_rules_are_refused(frozen, make_experience, vendor, first, last, weekdays, times, field):
    option = make_experience().options[0]
    with pytest.raises(ValidationError) as refused:
        departures.plan_rule(vendor, option.id, rule(first, last, weekdays, times))
    assert field in refused.value.fields


def test_a_booked_departure_can_be_cancelled_but_not_deleted(frozen, make_experience, vendor):
    option = make_experience().options[0]
    booked = departures.add_departure(vendor, option.id, date(2027, 2, 10), time(9, 0), SPEC)
    spare = departures.add_departure(vendor, option.id, date(2027, 2, 11), time(9, 0), SPEC)
    db.session.execute(update(Departure).where(Departure.id == booked.id).values(seats_held=2))
    db.session.commit()
    with pytest.raises(Conflict):
        departures.delete_departure(vendor, booked.id)
    assert cancellation.cancel_departure(vendor, booked.id)[0].status == DepartureStatus.CANCELLED
    departures.delete_departure(vendor, spare.id)
    assert departure_count() == 1


def test_another_vendors_departures_are_not_found(frozen, make_experience, vendor, make_user, make_store):
    option = make_experience().options[0]
    departure = departures.add_departure(vendor, option.id, date(2027, 2, 10), time(9, 0), SPEC)
    other = make_user(role=Role.VENDOR)
    make_store(owner=other)
    for attempt in (lambda: cancellation.cancel_departure(other, departure.id),
                    lambda: departures.delete_departure(other, departure.id),
                    lambda: departures.add_departure(other, option.id, date(2027, 2, 12), time(9, 0), SPEC),
                    lambda: departures.plan_rule(other, option.id, rule(date(2027, 2, 1), date(2027, 2, 2)))):
        with pytest.raises(NotFound):
            attempt()
    assert departure_count() == 1


def test_the_database_refuses_more_seats_than_the_capacity(frozen, make_experience, vendor):
    option = make_experience().options[0]
    departure = departures.add_departure(vendor, option.id, date(2027, 2, 10), time(9, 0), SPEC)
    with pytest.raises(IntegrityError):
        db.session.execute(update(Departure).where(Departure.id == departure.id).values(seats_sold=8, seats_held=3))
        db.session.commit()
    db.session.rollback()


def test_seats_can_change_but_never_below_those_booked(frozen, make_experience, vendor, make_user, make_store):
    option = make_experience().options[0]
    departure = departures.add_departure(vendor, option.id, date(2027, 2, 10), time(9, 0), SPEC)
    db.session.execute(update(Departure).where(Departure.id == departure.id).values(seats_sold=6, seats_held=1))
    db.session.commit()
    assert departures.change_capacity(vendor, departure.id, 7).capacity == 7
    with pytest.raises(Conflict) as refused:
        departures.change_capacity(vendor, departure.id, 6)
    assert "7" in refused.value.message
    for bad in (0, None, 10_001):
        with pytest.raises(ValidationError):
            departures.change_capacity(vendor, departure.id, bad)
    other = make_user(role=Role.VENDOR)
    make_store(owner=other)
    with pytest.raises(NotFound):
        departures.change_capacity(other, departure.id, 20)
    db.session.expire_all()
    assert db.session.get(Departure, departure.id).capacity == 7
