"""What shoppers read: departure states, the month calendar, seat totals, and the cancellation policy."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from flask_babel import force_locale

from campaigns.tourism import calendar, departures
from campaigns.tourism.calendar import DepartureState
from campaigns.tourism.departures import DepartureSpec
from campaigns.tourism.models import Departure, DepartureStatus
from campaigns.tourism.policy import policy_text, refund_percent
from marketplace.core.errors import ValidationError
from marketplace.core.money import Money
from tests.tourism.conftest import NOW


def departure(capacity=10, sold=0, held=0, cutoff=24, starts=NOW + timedelta(days=3), status=DepartureStatus.SCHEDULED):
    return Departure(capacity=capacity, seats_sold=sold, seats_held=held, cutoff_hours=cutoff, starts_at=starts,
                     status=status)


@pytest.mark.parametrize(("made", "state"), [
    (departure(), DepartureState.AVAILABLE),
    (departure(sold=5), DepartureState.AVAILABLE),  # exactly half left
    (departure(sold=4, held=2), DepartureState.LIMITED),  # under half left
    (departure(sold=9, held=1), DepartureState.SOLD_OUT),
    (departure(starts=NOW + timedelta(hours=23)), DepartureState.CLOSED),  # the 24-hour cutoff has passed
    (departure(starts=NOW + timedelta(hours=24)), DepartureState.CLOSED),  # bookings close at the cutoff itself
    (departure(status=DepartureStatus.CANCELLED), DepartureState.CANCELLED),
])
def test_departure_states(made, state):
    assert calendar.departure_state(made, NOW) == state


def test_the_month_calendar_groups_departures_by_local_day(frozen, make_experience, vendor):
    experience = make_experience()
    option = experience.options[0]
    spec = DepartureSpec(10, 24)
    early = departures.add_departure(vendor, option.id, date(2027, 2, 10), time(9, 0), spec)
    departures.add_departure(vendor, option.id, date(2027, 2, 10), time(16, 0), spec)
    departures.add_departure(vendor, option.id, date(2027, 3, 1), time(0, 30), spec)  # 23:30 UTC on 28 February
    early.seats_sold = 10
    grid = calendar.month_calendar(experience, 2027, 2, NOW, NOW.date())
    tenth = next(day for week in grid.weeks for day in week if day.day == date(2027, 2, 10))
    assert [view.state for view in tenth.departures] == [DepartureState.SOLD_OUT, DepartureState.AVAILABLE]
    assert tenth.state == DepartureState.AVAILABLE  # the day shows its best departure
    assert len(grid.departures()) == 2  # the 1 March departure is on the March page, whatever UTC says
    assert all(len(week) == 7 for week in grid.weeks) and grid.weeks[0][0].day.weekday() == 0
    assert grid.previous == (2027, 1) and grid.following == (2027, 3)
    january = calendar.month_calendar(experience, 2027, 1, NOW, NOW.date())
    assert january.previous is None  # nothing before the current month


@pytest.mark.parametrize(("text", "expected"), [
    ("2027-02", (2027, 2)), ("2027-1", (2027, 1)), ("2026-12", None), ("2030-01", None), ("2027-13", None),
    ("abc", None), ("", None), (None, None), ("99999-1", None), ("2027-02-01", None),
])
def test_tampered_months_are_ignored(text, expected):
    assert calendar.parse_month(text, date(2027, 1, 20)) == expected


def test_the_total_of_a_choice_of_seats(make_experience):
    option = make_experience().options[0]
    assert calendar.quote_units(option, {"adult": 2, "child": 1}) == Money(2 * 65000 + 40000, "MAD")


@pytest.mark.parametrize(("counts", "field"), [
    ({"adult": 0, "child": 2}, "units-adult"),  # under the adult minimum of 1
    ({"adult": 7}, "units-adult"),  # over the maximum of 6
    ({"adult": 1, "child": 5}, "units-child"),
    ({"adult": 1, "senior": 1}, "units-senior"),  # the option has no senior price
])
def test_bad_seat_choices_are_refused(make_experience, counts, field):
    option = make_experience().options[0]
    with pytest.raises(ValidationError) as refused:
        calendar.quote_units(option, counts)
    assert field in refused.value.fields


def test_a_child_needs_an_adult(make_experience, vendor):
    from campaigns.tourism.options import UnitChanges, set_unit

    option = make_experience().options[0]
    set_unit(vendor, option.id, UnitChanges("adult", "650", 0, 6))
    with pytest.raises(ValidationError) as refused:
        calendar.quote_units(option, {"child": 2})
    assert "adult" in refused.value.message


@pytest.mark.parametrize(("language", "words"), [
    ("en", "Free cancellation until 3 days before the start; after that, 50% is refunded."),
    ("fr", "Annulation gratuite jusqu’à 3 jours avant le départ"),
    ("zh", "出发前 3 天可免费取消；之后退还 50%"),
    ("ar", "إلغاء مجاني"),
])
def test_the_policy_in_plain_words(app, make_experience, language, words):
    experience = make_experience()
    with app.test_request_context(f"/{language}/"), force_locale(language):
        assert words in policy_text(experience)


def test_other_policies_in_plain_words(app, make_experience):
    experience = make_experience()
    with app.test_request_context("/en/"), force_locale("en"):
        experience.refundable = False
        assert policy_text(experience) == "Non-refundable: no refund if you cancel."
        experience.refundable, experience.free_cancel_hours, experience.late_refund_percent = True, 30, 0
        assert policy_text(experience) == "Free cancellation until 30 hours before the start; no refund after that."
        experience.free_cancel_hours = 0
        assert policy_text(experience) == "Free cancellation until the start."


def test_the_refund_counts_real_hours_across_the_clock_change(make_experience):
    experience = make_experience(free_cancel_hours=24, late_refund_percent=50)
    # 08:00 on 7 February in Casablanca is 08:00 UTC; clocks went back an hour at 03:00 that night, so the
    # free window ends at 08:00 UTC on 6 February, which Casablanca's clocks show as 09:00.
    starts = datetime(2027, 2, 7, 8, 0, tzinfo=UTC)
    assert refund_percent(experience, starts, datetime(2027, 2, 6, 7, 59, tzinfo=UTC)) == 100
    assert refund_percent(experience, starts, datetime(2027, 2, 6, 8, 0, tzinfo=UTC)) == 50
    assert refund_percent(experience, starts, starts) == 0
    experience.refundable = False
    assert refund_percent(experience, starts, datetime(2027, 1, 1, tzinfo=UTC)) == 0
