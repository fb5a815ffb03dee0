"""The private calendar feed: made and re-made from the account page, read by calendar apps with its
token only, holding the person's lectures (zone, UID, SEQUENCE after a move, Cairo across DST) and the
festivals' waves, never a meeting link; a wrong or revoked token is a bare 404."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from icalendar import Calendar
from sqlalchemy import select

from campaigns.festivals.models import Festival, FestivalText, Wave
from campaigns.lectures import feed, seats, services
from campaigns.lectures.models import CalendarFeed
from marketplace.core import clock
from marketplace.extensions import db
from tests.lectures.conftest import JOIN_URL

NOW = datetime(2031, 4, 1, 8, 0, tzinfo=UTC)
BEFORE_DST = datetime(2031, 4, 20, 11, 0, tzinfo=UTC)  # 13:00 in Cairo (UTC+2; summer time from 25 April)


def feed_address(client) -> str:
    page = client.post("/en/me/calendar-feed").text
    return re.search(r'value="(http[^"]+/me/calendar\.ics\?token=[^"]+)"', page).group(1)


def events_of(body: bytes) -> dict[str, object]:
    calendar = Calendar.from_ical(body)
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}, calendar


def make_festival(staff) -> Festival:
    festival = Festival(
        slug="tea-week", time_zone="Asia/Shanghai", registration_opens_at=NOW - timedelta(days=20),
        registration_closes_at=NOW - timedelta(days=15), warmup_starts_at=NOW - timedelta(days=10),
        created_by_id=staff.id, texts=[FestivalText(language="en", name="Tea Week", description="Tea")],
        waves=[Wave(starts_at=NOW + timedelta(days=2), ends_at=NOW + timedelta(days=3)),
               Wave(starts_at=NOW + timedelta(days=5), ends_at=NOW + timedelta(days=6))])
    hidden = Festival(
        slug="not-yet-public", time_zone="Africa/Lagos", registration_opens_at=NOW + timedelta(days=20),
        registration_closes_at=NOW + timedelta(days=25), warmup_starts_at=NOW + timedelta(days=30),
        created_by_id=staff.id, texts=[FestivalText(language="en", name="Secret Sale", description="")],
        waves=[Wave(starts_at=NOW + timedelta(days=40), ends_at=NOW + timedelta(days=41))])
    db.session.add_all([festival, hidden])
    db.session.commit()
    return festival


def test_the_feed_holds_lectures_and_waves_follows_a_move_and_never_the_meeting_link(
        client, login, staff, make_lecture, make_user):
    festival = make_festival(staff)
    cairo = make_lecture(zone="Africa/Cairo", starts_at=BEFORE_DST, titles={"en": "Pricing", "fr": "Les prix"})
    other = make_lecture(titles={"en": "Not mine"})
    dropped = make_lecture(titles={"en": "Given up"}, starts_at=BEFORE_DST + timedelta(days=1))
    person = make_user()
    with clock.freeze(NOW):
        seats.register(cairo.id, person, "fr")
        seats.register(dropped.id, person, "fr")
        seats.cancel(dropped.id, person)
        login(person)
        address = feed_address(client)
        client.post("/en/account/logout")  # calendar apps have no session: the token alone opens the feed
        first = client.get(address.replace("/en/", "/fr/"))
        assert first.status_code == 200 and first.mimetype == "text/calendar"
        assert first.headers["Cache-Control"].startswith("private")
        events, calendar = events_of(first.data)
        lecture_uid = next(uid for uid in events if uid.startswith(f"lecture-{cairo.id}@"))
        event = events[lecture_uid]
        assert str(event["summary"]) == "Les prix" and int(event["sequence"]) == 0
        assert event["dtstart"].params["TZID"] == "Africa/Cairo"
        assert event.decoded("dtstart").replace(tzinfo=None) == datetime(2031, 4, 20, 13, 0)
        assert event.walk("VALARM") and str(event["url"]).endswith(f"/fr/lectures/{cairo.id}")
        assert not any(uid.startswith((f"lecture-{other.id}@", f"lecture-{dropped.id}@")) for uid in events)
        waves = sorted(uid for uid in events if uid.startswith("festival-wave-"))
        assert len(waves) == 2  # the public festival's two waves; the one not yet public is left out
        assert "Tea Week" in str(events[waves[0]]["summary"])
        assert events[waves[0]]["dtstart"].params["TZID"] == "Asia/Shanghai"
        assert str(events[waves[0]]["url"]).endswith(f"/fr/festivals/{festival.slug}")
        assert sorted(str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")) == ["Africa/Cairo", "Asia/Shanghai"]
        # Staff move the lecture past Cairo's change to summer time: same UID, SEQUENCE 1, same wall time.
        services.move_lecture(staff, cairo, datetime(2031, 5, 20, 13, 0), "Africa/Cairo")
        moved = client.get(address)
    events, _calendar = events_of(moved.data)
    event = events[lecture_uid]
    assert int(event["sequence"]) == 1
    assert event.decoded("dtstart").replace(tzinfo=None) == datetime(2031, 5, 20, 13, 0)
    assert event.decoded("dtstart").astimezone(UTC) == datetime(2031, 5, 20, 10, 0, tzinfo=UTC)
    for body in (first.data, moved.data):
        assert JOIN_URL.encode() not in body and b"meet.example.org" not in body


def test_a_new_link_kills_the_old_one_and_turning_it_off_kills_both(client, login, make_user, make_lecture):
    person = make_user()
    lecture = make_lecture()
    with clock.freeze(NOW):
        seats.register(lecture.id, person, "en")
    login(person)
    with clock.freeze(NOW):
        assert "/en/account/#calendar-feed" in client.get(f"/en/lectures/{lecture.id}").text
    account = client.get("/en/account/").text
    assert "Calendar feed" in account and "Make my calendar link" in account
    old = feed_address(client)
    assert client.get(old).status_code == 200
    assert "Make a new link" in client.get("/en/account/").text
    new = feed_address(client)
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    stored = db.session.scalars(select(CalendarFeed.token_hash)).all()
    assert len(stored) == 1 and new.split("token=")[1] not in stored[0]  # only a hash is kept
    response = client.post("/en/me/calendar-feed/off", follow_redirects=True)
    assert "Your calendar link is turned off" in response.text
    assert client.get(new).status_code == 404


def test_a_wrong_token_is_a_plain_404(client, make_user):
    person = make_user()
    token = feed.issue_feed(person)
    for query in ("", "?token=", "?token=nope", f"?token={token[:-1]}", f"?token={token}x", "?token=" + "a" * 5000,
                  "?token=%C3%A9t%C3%A9"):
        response = client.get(f"/en/me/calendar.ics{query}")
        assert response.status_code == 404
        assert b"token" not in response.data.lower()
    assert client.get(f"/en/me/calendar.ics?token={token}").status_code == 200


def test_only_a_signed_in_person_makes_a_link(client):
    assert "/account/login" in client.post("/en/me/calendar-feed").headers["Location"]
    assert db.session.scalar(select(CalendarFeed)) is None
