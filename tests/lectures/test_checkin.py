"""Checking in with the speaker's code: staff make and see it, registrants type it in the window; a wrong
code, outside the window, without a seat, a cancelled lecture: a clear message and nothing marked."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from campaigns.lectures import checkin, seats, services
from campaigns.lectures.models import Registration
from marketplace.core import clock
from marketplace.core.errors import Conflict, PermissionDenied, ValidationError
from marketplace.extensions import db
from tests.lectures.conftest import START

BEFORE = START - timedelta(days=3)
DURING = START + timedelta(minutes=20)


def place(lecture, person) -> Registration:
    db.session.expire_all()
    return db.session.scalar(select(Registration).where(Registration.lecture_id == lecture.id,
                                                        Registration.user_id == person.id))


def test_staff_make_a_code_and_a_registrant_checks_in_on_the_page(client, login, staff, make_lecture, make_user):
    lecture = make_lecture()
    person = make_user()
    with clock.freeze(BEFORE):
        seats.register(lecture.id, person, "en")
    login(staff)
    page = client.get(f"/en/staff/lectures/{lecture.id}/attendance").text
    assert "No code yet" in page
    client.post(f"/en/staff/lectures/{lecture.id}/attendance/code")
    db.session.refresh(lecture)
    code = lecture.checkin_code
    assert len(code) == 6 and code.isdigit()
    assert f"{code[:3]} {code[3:]}" in client.get(f"/en/staff/lectures/{lecture.id}/attendance").text
    login(person)
    with clock.freeze(START - timedelta(minutes=30)):
        page = client.get(f"/en/lectures/{lecture.id}").text
        assert "Checking in opens 10 minutes before the start" in page and 'name="code"' not in page
    with clock.freeze(DURING):
        assert 'name="code"' in client.get(f"/en/lectures/{lecture.id}").text
        answer = client.post(f"/en/lectures/{lecture.id}/check-in", data={"code": f" {code[:3]} {code[3:]} "},
                             follow_redirects=True).text
    assert "You are checked in" in answer
    registration = place(lecture, person)
    assert clock.to_utc(registration.attended_at) == DURING and registration.attendance_source == "code"


def test_digits_of_other_scripts_are_read(make_lecture, make_user, staff):
    lecture = make_lecture()
    person = make_user()
    with clock.freeze(BEFORE):
        seats.register(lecture.id, person, "ar")
    code = checkin.new_checkin_code(staff, lecture)
    arabic = "".join(chr(0x0660 + int(d)) for d in code)
    checkin.check_in(person, lecture, arabic, START - timedelta(minutes=10))
    assert place(lecture, person).attended_at is not None


def test_wrong_codes_are_counted_and_then_refused(make_lecture, make_user, staff):
    lecture = make_lecture()
    person = make_user()
    with clock.freeze(BEFORE):
        seats.register(lecture.id, person, "en")
    code = checkin.new_checkin_code(staff, lecture)
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1):
        with pytest.raises(ValidationError, match=f"{left} tr"):
            checkin.check_in(person, lecture, wrong, DURING)
    with pytest.raises(Conflict, match="Too many wrong codes"):
        checkin.check_in(person, lecture, wrong, DURING)
    with pytest.raises(Conflict, match="Too many wrong codes"):
        checkin.check_in(person, lecture, code, DURING)  # even the right one: guessing is over
    assert place(lecture, person).attended_at is None


@pytest.mark.parametrize("when, message", [
    (START - timedelta(minutes=11), "opens 10 minutes before"),
    (START + timedelta(minutes=90), "closes when the lecture ends"),
])
def test_outside_the_window_nothing_is_marked(make_lecture, make_user, staff, when, message):
    lecture = make_lecture()
    person = make_user()
    with clock.freeze(BEFORE):
        seats.register(lecture.id, person, "en")
    code = checkin.new_checkin_code(staff, lecture)
    with pytest.raises(Conflict, match=message):
        checkin.check_in(person, lecture, code, when)
    registration = place(lecture, person)
    assert registration.attended_at is None and registration.checkin_failures == 0


def test_without_a_seat_or_for_a_cancelled_lecture_nothing_is_marked(client, login, make_lecture, make_user, staff):
    lecture = make_lecture(capacity=1)
    seated, waiting, stranger = make_user(), make_user(), make_user()
    with clock.freeze(BEFORE):
        seats.register(lecture.id, seated, "en")
        seats.register(lecture.id, waiting, "en")
    code = checkin.new_checkin_code(staff, lecture)
    for person in (waiting, stranger):
        with pytest.raises(Conflict, match="confirmed seat"):
            checkin.check_in(person, lecture, code, DURING)
    login(stranger)
    with clock.freeze(DURING):
        answer = client.post(f"/en/lectures/{lecture.id}/check-in", data={"code": code}, follow_redirects=True)
    assert "Only people with a confirmed seat can check in." in answer.text
    with clock.freeze(BEFORE):
        services.cancel_lecture(staff, lecture)
    with pytest.raises(Conflict, match="cancelled"):
        checkin.check_in(seated, lecture, code, DURING)
    with pytest.raises(Conflict, match="cancelled"):
        checkin.new_checkin_code(staff, lecture)
    assert db.session.scalar(select(Registration).where(Registration.attended_at.is_not(None))) is None


def test_no_code_yet_and_only_staff_make_codes(make_lecture, make_user):
    lecture = make_lecture()
    person = make_user()
    with clock.freeze(BEFORE):
        seats.register(lecture.id, person, "en")
    with pytest.raises(Conflict, match="not given a check-in code"):
        checkin.check_in(person, lecture, "123456", DURING)
    with pytest.raises(PermissionDenied):
        checkin.new_checkin_code(person, lecture)
    assert place(lecture, person).checkin_failures == 0


def test_staff_mark_or_withdraw_attendance_by_hand(client, login, staff, make_lecture, make_user):
    lecture = make_lecture(capacity=1)
    seated, waiting = make_user(), make_user()
    with clock.freeze(BEFORE):
        seats.register(lecture.id, seated, "en")
        seats.register(lecture.id, waiting, "en")
    registration, queued = place(lecture, seated), place(lecture, waiting)
    with pytest.raises(Conflict, match="once check-in opens"):
        checkin.set_attendance(staff, lecture, registration.id, True, BEFORE)
    with pytest.raises(Conflict, match="confirmed seat"):
        checkin.set_attendance(staff, lecture, queued.id, True, DURING)
    with pytest.raises(PermissionDenied):
        checkin.set_attendance(seated, lecture, registration.id, True, DURING)
    login(staff)
    with clock.freeze(DURING):
        page = client.post(f"/en/staff/lectures/{lecture.id}/attendance/{registration.id}", data={"attended": "yes"},
                           follow_redirects=True).text
        assert "is marked as attending" in page and "marked by staff" in page
        assert client.post(f"/en/staff/lectures/{lecture.id}/attendance/{2**40}",
                           data={"attended": "yes"}).status_code == 404
    assert place(lecture, seated).attendance_source == "staff"
    with clock.freeze(DURING):
        client.post(f"/en/staff/lectures/{lecture.id}/attendance/{registration.id}", data={"attended": "no"})
    assert place(lecture, seated).attended_at is None


def test_a_code_with_control_characters_or_too_long_is_refused_on_the_page(client, login, staff, make_lecture,
                                                                            make_user):
    lecture = make_lecture()
    person = make_user()
    with clock.freeze(BEFORE):
        seats.register(lecture.id, person, "en")
    code = checkin.new_checkin_code(staff, lecture)
    login(person)
    with clock.freeze(DURING):
        for typed in (code + "\u202e", "9" * 41):
            answer = client.post(f"/en/lectures/{lecture.id}/check-in", data={"code": typed}, follow_redirects=True)
            assert answer.status_code == 200 and "You are checked in" not in answer.text
    registration = place(lecture, person)
    assert registration.attended_at is None and registration.checkin_failures == 0
