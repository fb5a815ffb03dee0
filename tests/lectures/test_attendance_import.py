"""Importing the meeting tool's participant list: common headers, BOM, `,` `;` or tab, minutes above a
threshold; unknown e-mails and people without a seat skipped and reported; bad minutes, formula cells,
junk and oversized files refuse the whole file and change nothing."""
from __future__ import annotations

import io
import os
from datetime import timedelta

import pytest
from sqlalchemy import select

from campaigns.lectures import participants, seats
from campaigns.lectures.models import Registration
from marketplace.core import clock
from marketplace.core.errors import Conflict, PermissionDenied, ValidationError
from marketplace.extensions import db
from tests.lectures.conftest import START

BEFORE = START - timedelta(days=3)
AFTER = START + timedelta(hours=3)


@pytest.fixture
def seated(make_lecture, make_user):
    """A 90-minute lecture with three people seated (ada, bo, chi) and one waiting (dee)."""
    lecture = make_lecture(capacity=3)
    people = {name: make_user(email=f"{name}@example.com") for name in ("ada", "bo", "chi", "dee")}
    with clock.freeze(BEFORE):
        for person in people.values():
            seats.register(lecture.id, person, "en")
    return lecture, people


def attended(lecture) -> dict[str, int | None]:
    db.session.expire_all()
    rows = db.session.scalars(select(Registration).where(Registration.lecture_id == lecture.id,
                                                         Registration.attended_at.is_not(None)))
    return {row.user.email: row.attended_minutes for row in rows}


def test_a_zoom_like_file_marks_those_above_the_minimum_and_reports_the_rest(seated, staff):
    lecture, _people = seated
    raw = ("\ufeffName (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\r\n"
           "Ada,ADA@example.com,x,y,50,No\r\n"
           "Bo,bo@example.com,x,y,30,No\r\n"
           "Bo,bo@example.com,x,y,20,No\r\n"
           "Chi,chi@example.com,x,y,44,No\r\n"
           "Dee,dee@example.com,x,y,90,No\r\n"
           "Speaker,speaker@elsewhere.org,x,y,90,Yes\r\n").encode()
    report = participants.import_participants(staff, lecture, raw, None, AFTER)
    assert attended(lecture) == {"ada@example.com": 50, "bo@example.com": 50}  # 45 minutes (half) needed
    assert report.marked == 2 and report.minimum == 45
    outcomes = {(line.number, line.outcome) for line in report.lines}
    assert {(2, "marked"), (3, "marked"), (4, "repeated"), (5, "below"), (6, "not_registered"),
            (7, "unknown")} == outcomes


def test_semicolons_tabs_clock_durations_and_a_chosen_minimum(seated, staff):
    lecture, _people = seated
    participants.import_participants(staff, lecture, b"E-mail;Minutes\nada@example.com;1:10:00\nbo@example.com;20\n",
                                     20, AFTER)
    assert attended(lecture) == {"ada@example.com": 70, "bo@example.com": 20}
    db.session.refresh(lecture)
    assert lecture.attendance_minimum_minutes == 20
    teams = "Email\tDuration\nchi@example.com\t1h 2m 5s\n".encode("utf-16")
    participants.import_participants(staff, lecture, teams, None, AFTER)
    assert attended(lecture)["chi@example.com"] == 62


@pytest.mark.parametrize("content, message", [
    (b"Email,Minutes\nada@example.com,45\nbo@example.com,lots\n", "not a duration"),
    (b"Email,Minutes\nada@example.com,45\nbo@example.com,-5\n", "not a duration"),
    (b"Email,Minutes\nada@example.com,45\n=cmd|' /C calc'!A0,50\n", "formulas are refused"),
    (b"Email,Minutes\nada@example.com,45\n@SUM(1+1)*cmd,50\n", "formulas are refused"),
    (b"Email,Minutes\nada@example.com,45\nbo@example.com,+45\n", "formulas are refused"),
    (b"Email,Minutes\nada@example.com,45\nnot an address,50\n", "not an e-mail address"),
])
def test_one_bad_line_refuses_the_whole_file(seated, staff, content, message):
    lecture, _people = seated
    with pytest.raises(participants.ParticipantFileRefused) as refused:
        participants.import_participants(staff, lecture, content, None, AFTER)
    assert any(message in line.message and line.number == 3 for line in refused.value.report.errors)
    assert attended(lecture) == {}


@pytest.mark.parametrize("content, message", [
    (os.urandom(10 * 1024 * 1024), "larger than 2 MB"),
    (b"\x89PNG\r\n\x1a\n" + os.urandom(4000), "not a text CSV"),
    (b"Email,Minutes\x00\nada@example.com,45\n", "not a text CSV"),
    (b"", "not a text CSV"),
    (b"Name,Joined\nAda,yes\n", "must name the columns"),
])
def test_junk_files_are_refused_whole(seated, staff, content, message):
    lecture, _people = seated
    with pytest.raises(participants.ParticipantFileRefused, match=message):
        participants.import_participants(staff, lecture, content, None, AFTER)
    assert attended(lecture) == {}


def test_who_and_when(seated, make_user, staff):
    lecture, people = seated
    raw = b"Email,Minutes\nada@example.com,80\n"
    with pytest.raises(PermissionDenied):
        participants.import_participants(people["ada"], lecture, raw, None, AFTER)
    with pytest.raises(Conflict, match="once the lecture has started"):
        participants.import_participants(staff, lecture, raw, None, BEFORE)
    with pytest.raises(ValidationError, match="between 1 and 90"):
        participants.import_participants(staff, lecture, raw, 500, AFTER)
    assert attended(lecture) == {}


def test_the_staff_page_uploads_and_shows_the_report(client, login, seated, staff):
    lecture, _people = seated
    login(staff)
    with clock.freeze(AFTER):
        bad = client.post(f"/en/staff/lectures/{lecture.id}/attendance/import", data={
            "file": (io.BytesIO(b"Email,Minutes\nada@example.com,80\n<b>x</b>@example.com,=1+1\n"), "zoom.csv"),
            "minimum_minutes": "45"}, content_type="multipart/form-data")
        assert bad.status_code == 422 and "Nothing was imported" in bad.text
        assert "<b>x</b>" not in bad.text and "&lt;b&gt;x&lt;/b&gt;" in bad.text
        assert attended(lecture) == {}
        good = client.post(f"/en/staff/lectures/{lecture.id}/attendance/import", data={
            "file": (io.BytesIO(b"Email,Minutes\nada@example.com,80\n"), "zoom.csv"), "minimum_minutes": ""},
            content_type="multipart/form-data")
        assert good.status_code == 200 and "1 person newly marked" in good.text
        missing = client.post(f"/en/staff/lectures/{lecture.id}/attendance/import", data={"minimum_minutes": "45"},
                              content_type="multipart/form-data")
        assert missing.status_code == 422 and "Choose the participant list" in missing.text
    assert attended(lecture) == {"ada@example.com": 80}
    assert "participant list" in client.get(f"/en/staff/lectures/{lecture.id}/attendance").text
