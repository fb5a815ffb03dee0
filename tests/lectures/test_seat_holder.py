"""Lecture seats as holds: the holder registered for kind "seat" raises when it cannot, never rolls back."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from campaigns.lectures.models import Lecture, LectureStatus
from marketplace.core.errors import Conflict
from marketplace.extensions import db
from marketplace.orders.holds.refs import HoldRef
from marketplace.orders.holds.registry import give_back_units, holder_for, take_units, why_units_lapsed
from tests.lectures.conftest import START

NOW = START - timedelta(days=10)


def seats_taken(lecture_id: int) -> int:
    return db.session.scalar(select(Lecture.seats_taken).where(Lecture.id == lecture_id))


def test_seats_are_taken_and_given_back_through_the_registered_holder(app, make_lecture, make_user):
    lecture = make_lecture(capacity=2)
    seat, person = HoldRef("seat", lecture.id), make_user()
    assert type(holder_for(seat)).__name__ == "LectureSeats"
    take_units(seat, person.id, 2, NOW)
    assert seats_taken(lecture.id) == 2 and why_units_lapsed(seat, person.id, NOW) == "This lecture is full."
    with pytest.raises(Conflict, match="full"):
        take_units(seat, person.id, 1, NOW)
    assert seats_taken(lecture.id) == 2, "the refusal left the caller's writes in place"
    give_back_units(seat, person.id, 2)
    db.session.commit()
    assert seats_taken(lecture.id) == 0 and why_units_lapsed(seat, None, NOW) == ""
    with pytest.raises(Conflict):
        give_back_units(seat, person.id, 1)
    db.session.rollback()
    assert seats_taken(lecture.id) == 0


def test_why_a_seat_cannot_be_had(app, make_lecture):
    lecture = make_lecture(capacity=5)
    seat = HoldRef("seat", lecture.id)
    assert why_units_lapsed(seat, None, START) == "Registration closed when the lecture started."
    lecture.status = LectureStatus.CANCELLED
    db.session.commit()
    assert why_units_lapsed(seat, None, NOW) == "This lecture is cancelled."
    assert why_units_lapsed(HoldRef("seat", lecture.id + 999), None, NOW) == "There is no such lecture."
