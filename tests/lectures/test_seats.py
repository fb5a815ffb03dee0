"""Seats and the waiting list: the capacity holds under a crowd, the line is kept, held seats pass on."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from campaigns.lectures import seats
from campaigns.lectures.models import Audience, Lecture, LectureStatus, Registration, RegistrationStatus
from marketplace.accounts.models import Role
from marketplace.core import clock
from marketplace.core.errors import Conflict, PermissionDenied
from marketplace.extensions import db
from tests.concurrency import run_at_once
from tests.lectures.conftest import START

NOW = START - timedelta(days=10)
R, W, HELD, C = (RegistrationStatus.REGISTERED, RegistrationStatus.WAITING, RegistrationStatus.OFFERED,
              RegistrationStatus.CANCELLED)


def statuses(lecture_id: int) -> dict[int, RegistrationStatus]:
    db.session.expire_all()
    rows = db.session.scalars(select(Registration).where(Registration.lecture_id == lecture_id))
    return {r.user_id: r.status for r in rows}


def line(lecture_id: int) -> list[int]:
    """The waiting list's user ids, first in line first."""
    db.session.expire_all()
    return list(db.session.scalars(select(Registration.user_id).where(
        Registration.lecture_id == lecture_id, Registration.status == W).order_by(Registration.position)))


def taken(lecture_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Lecture, lecture_id).seats_taken


def test_200_people_at_once_for_50_seats(app, make_app, make_lecture, make_user):
    lecture = make_lecture(capacity=50)
    people = [make_user() for _ in range(200)]
    other, lecture_id = make_app(), lecture.id

    def sign_up(user_id: int):
        with clock.freeze(NOW):
            return seats.register(lecture_id, db.session.get(type(people[0]), user_id), "en").position

    outcomes = run_at_once(other, [lambda u=p.id: sign_up(u) for p in people])
    assert outcomes.unexpected() == []
    assert sorted(outcomes.results) == list(range(1, 201))  # every arrival has its own place in line
    found = statuses(lecture_id)
    assert list(found.values()).count(R) == 50 and list(found.values()).count(W) == 150
    assert taken(lecture_id) == 50
    rows = db.session.scalars(select(Registration).where(Registration.lecture_id == lecture_id)
                              .order_by(Registration.position)).all()
    # Arrival order: the 50 first to arrive have the seats, the waiting list follows in the order they came.
    assert [r.status for r in rows] == [R] * 50 + [W] * 150


def test_ten_cancellations_at_once_promote_exactly_the_first_ten(app, make_app, make_lecture, make_user, outbox):
    lecture = make_lecture(capacity=20)
    people = [make_user() for _ in range(40)]
    with clock.freeze(NOW):
        for person in people:
            seats.register(lecture.id, person, "en")
    first_waiting = line(lecture.id)[:10]
    leaving = [p.id for p in people[:10]]
    other, lecture_id = make_app(), lecture.id
    user_class = type(people[0])

    def leave(user_id: int):
        with clock.freeze(NOW):
            return seats.cancel(lecture_id, db.session.get(user_class, user_id)).status

    outcomes = run_at_once(other, [lambda u=u: leave(u) for u in leaving])
    assert outcomes.unexpected() == [] and outcomes.results == [C] * 10
    found = statuses(lecture_id)
    assert sorted(u for u, s in found.items() if s == HELD) == sorted(first_waiting)
    assert line(lecture_id) == [p.id for p in people[30:]]
    assert taken(lecture_id) == 20
    from marketplace.mail import get_mailer

    with other.app_context():  # the promoted were told, by the app that did the cancelling
        told = sorted(m.to for m in get_mailer().outbox)
    assert told == sorted(p.email for p in people if p.id in first_waiting)


def test_a_newcomer_cannot_jump_the_line_and_a_held_seat_passes_on(app, make_lecture, make_user, outbox):
    lecture = make_lecture(capacity=1)
    seated, first, second, newcomer = (make_user() for _ in range(4))
    with clock.freeze(NOW):
        seats.register(lecture.id, seated, "en")
        seats.register(lecture.id, first, "fr")
        seats.register(lecture.id, second, "en")
        seats.cancel(lecture.id, seated)
        assert seats.register(lecture.id, newcomer, "en").status == W  # the freed seat is held for `first`
    assert statuses(lecture.id)[first.id] == HELD
    deadline = db.session.scalars(select(Registration.promotion_deadline).where(
        Registration.user_id == first.id)).one()
    assert clock.to_utc(deadline) == NOW + timedelta(hours=24)
    assert outbox[0].to == first.email and outbox[0].language == "fr" and "Africa/Nairobi" in outbox[0].body
    with clock.freeze(NOW + timedelta(hours=24)):  # the deadline passed: the seat goes to the next in line
        seats.settle(lecture.id)
        with pytest.raises(Conflict):
            seats.confirm(lecture.id, first)
    found = statuses(lecture.id)
    assert found[first.id] == C and found[second.id] == HELD and found[newcomer.id] == W
    with clock.freeze(NOW + timedelta(hours=25)):
        assert seats.confirm(lecture.id, second).status == R
    assert taken(lecture.id) == 1 and line(lecture.id) == [newcomer.id]


def test_the_hold_ends_two_hours_before_the_start_when_that_is_sooner(app, make_lecture, make_user):
    lecture = make_lecture(capacity=1)
    seated, waiting = make_user(), make_user()
    late = START - timedelta(hours=10)
    with clock.freeze(late):
        seats.register(lecture.id, seated, "en")
        seats.register(lecture.id, waiting, "en")
        seats.cancel(lecture.id, seated)
    held = db.session.scalars(select(Registration.promotion_deadline).where(Registration.user_id == waiting.id)).one()
    assert clock.to_utc(held) == START - timedelta(hours=2)
    assert seats.promotion_deadline(START, START - timedelta(hours=1)) == START  # too late for 2 h: until the start


def test_a_freed_seat_with_nobody_waiting_is_free_again(app, make_lecture, make_user):
    lecture = make_lecture(capacity=1)
    first, second = make_user(), make_user()
    with clock.freeze(NOW):
        seats.register(lecture.id, first, "en")
        seats.cancel(lecture.id, first)
        assert taken(lecture.id) == 0
        assert seats.register(lecture.id, second, "en").status == R
        assert seats.register(lecture.id, first, "en").status == W  # back again: the end of the line
        assert seats.register(lecture.id, first, "en").status == W  # twice is still one place


def test_refusals_change_nothing(app, make_lecture, make_user):
    shopper, vendor = make_user(), make_user(role=Role.VENDOR)
    for_vendors = make_lecture(audience=Audience.VENDORS)
    with clock.freeze(NOW):
        with pytest.raises(PermissionDenied, match="vendors only"):
            seats.register(for_vendors.id, shopper, "en")
        assert seats.register(for_vendors.id, vendor, "en").status == R
        with pytest.raises(Conflict, match="not registered"):
            seats.cancel(for_vendors.id, shopper)
    with clock.freeze(START), pytest.raises(Conflict, match="closed when the lecture started"):
        seats.register(for_vendors.id, make_user(role=Role.VENDOR), "en")
    cancelled = make_lecture()
    cancelled.status = LectureStatus.CANCELLED
    db.session.commit()
    with clock.freeze(NOW), pytest.raises(Conflict, match="cancelled"):
        seats.register(cancelled.id, shopper, "en")
    assert statuses(for_vendors.id) == {vendor.id: R} and statuses(cancelled.id) == {}
    assert taken(for_vendors.id) == 1 and db.session.get(Lecture, for_vendors.id).arrivals == 1


def test_more_seats_go_to_the_people_waiting(app, make_lecture, make_user):
    from campaigns.lectures.services import LectureInput, update_lecture

    lecture = make_lecture(capacity=1)
    people = [make_user() for _ in range(3)]
    with clock.freeze(NOW):
        for person in people:
            seats.register(lecture.id, person, "en")
        data = LectureInput(titles={"en": "Pricing"}, abstracts={}, original_language="en", series_id=None,
                            spoken_language="en", interpretation_languages=[], duration_minutes=60, capacity=2,
                            audience="everyone", join_url="https://meet.example.org/x")
        update_lecture(people[0], db.session.get(Lecture, lecture.id), data)
    assert statuses(lecture.id) == {people[0].id: R, people[1].id: HELD, people[2].id: W}


def test_moving_a_lecture_earlier_shortens_a_held_seat(app, make_lecture, make_user):
    from campaigns.lectures.services import move_lecture

    lecture = make_lecture(capacity=1)
    seated, waiting = make_user(), make_user()
    with clock.freeze(NOW):
        seats.register(lecture.id, seated, "en")
        seats.register(lecture.id, waiting, "en")
        seats.cancel(lecture.id, seated)
        # Moved to 10 hours from now (Nairobi, UTC+3): the hold now ends 2 hours before that start.
        starts_local = (NOW + timedelta(hours=13)).replace(tzinfo=None)
        move_lecture(seated, db.session.get(Lecture, lecture.id), starts_local, "Africa/Nairobi")
    held = db.session.scalars(select(Registration.promotion_deadline).where(Registration.user_id == waiting.id)).one()
    assert clock.to_utc(held) == NOW + timedelta(hours=8)
