"""Calendar files per registration: the IANA zone with a VTIMEZONE, a stable UID, SEQUENCE after a move,
a lecture in Cairo across a DST change, and never the meeting link."""
from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar

from campaigns.lectures import seats
from marketplace.core import clock
from tests.lectures.conftest import JOIN_URL

NOW = datetime(2031, 4, 1, 8, 0, tzinfo=UTC)
BEFORE_DST = datetime(2031, 4, 20, 11, 0, tzinfo=UTC)  # 13:00 in Cairo (UTC+2)


def event_of(body: bytes):
    calendar = Calendar.from_ical(body)
    events = [c for c in calendar.walk("VEVENT")]
    assert len(events) == 1
    return calendar, events[0]


def test_the_calendar_file_names_the_zone_and_follows_a_move_across_dst(client, login, staff, make_lecture,
                                                                        make_user):
    lecture = make_lecture(zone="Africa/Cairo", starts_at=BEFORE_DST, titles={"en": "Pricing", "ar": "التسعير"})
    person = make_user()
    with clock.freeze(NOW):
        seats.register(lecture.id, person, "ar")
        login(person)
        first = client.get(f"/ar/lectures/{lecture.id}/calendar.ics")
        assert first.status_code == 200 and first.mimetype == "text/calendar"
        calendar, event = event_of(first.data)
        assert str(event["summary"]) == "التسعير"
        start = event.decoded("dtstart")
        assert event["dtstart"].params["TZID"] == "Africa/Cairo"
        assert start.replace(tzinfo=None) == datetime(2031, 4, 20, 13, 0) and start.astimezone(UTC) == BEFORE_DST
        assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["Africa/Cairo"]
        assert int(event["sequence"]) == 0 and event.walk("VALARM")
        assert str(event["url"]).endswith(f"/ar/lectures/{lecture.id}")
        uid = str(event["uid"])
        login(staff)  # move it past Cairo's change to summer time (UTC+3 from 25 April 2031)
        client.post(f"/en/staff/lectures/{lecture.id}/move",
                    data={"time_zone": "Africa/Cairo", "starts_local": "2031-05-20T13:00"})
        login(person)
        moved = client.get(f"/ar/lectures/{lecture.id}/calendar.ics")
    _calendar, event = event_of(moved.data)
    assert str(event["uid"]) == uid and int(event["sequence"]) == 1
    start = event.decoded("dtstart")
    assert start.replace(tzinfo=None) == datetime(2031, 5, 20, 13, 0)
    assert start.astimezone(UTC) == datetime(2031, 5, 20, 10, 0, tzinfo=UTC)  # same wall time, new offset
    for body in (first.data, moved.data):
        assert JOIN_URL.encode() not in body and b"meet.example.org" not in body


def test_only_a_registered_person_gets_the_file(client, login, make_lecture, make_user):
    lecture = make_lecture()
    login(make_user())
    with clock.freeze(NOW):
        assert client.get(f"/en/lectures/{lecture.id}/calendar.ics").status_code == 404
    client.post("/en/account/logout")
    assert "/account/login" in client.get(f"/en/lectures/{lecture.id}/calendar.ics").headers["Location"]


def test_the_page_links_the_calendar_file_for_registered_people(client, login, make_lecture, make_user):
    lecture = make_lecture()
    person = make_user()
    with clock.freeze(NOW):
        seats.register(lecture.id, person, "en")
        login(person)
        page = client.get(f"/en/lectures/{lecture.id}").text
    assert f"/en/lectures/{lecture.id}/calendar.ics" in page
