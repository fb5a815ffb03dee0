"""Calendar files (ICS): one event per lecture, written the same way in a registration's file and in a
person's private feed — the lecture at its local time with the IANA zone (TZID and an embedded VTIMEZONE),
a stable UID, a SEQUENCE that grows when the lecture moves, and a reminder.

The meeting link is never written into a calendar, because calendars are shared and synced to other
services: the event's URL is the lecture page, where registered people find their own way in.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from icalendar import Alarm, Calendar, Event

from campaigns.festivals.scheduling import utc_to_local
from campaigns.lectures.display import lecture_abstract, lecture_title
from campaigns.lectures.models import Lecture, LectureStatus
from marketplace.core import clock

PRODID = "-//Silk Road Market//Online lectures//EN"
REMINDER_BEFORE = timedelta(hours=1)


def event_uid(lecture: Lecture, host: str) -> str:
    """The lecture's UID in every calendar file: the same whatever changes, so calendars update the event."""
    return f"lecture-{lecture.id}@{host}"


def timed_event(uid: str, sequence: int, starts_utc: datetime, ends_utc: datetime, zone: str, title: str,
                description: str, page_url: str, status: str = "CONFIRMED") -> Event:
    """One event at its local time in `zone`, with a DISPLAY reminder an hour before; `page_url` is its URL."""
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", clock.now())
    event.add("dtstart", utc_to_local(clock.to_utc(starts_utc), zone))
    event.add("dtend", utc_to_local(clock.to_utc(ends_utc), zone))
    event.add("summary", title)
    event.add("description", "\n\n".join(part for part in (description, page_url) if part))
    event.add("url", page_url)
    event.add("status", status)
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", title)
    alarm.add("trigger", -REMINDER_BEFORE)
    event.add_component(alarm)
    return event


def lecture_event(lecture: Lecture, language: str, page_url: str, host: str, tentative: bool = False) -> Event:
    """The event of one lecture for a reader of `language`, pointing at `page_url` (never the meeting);
    `tentative` for a person still waiting for a seat."""
    status = "CANCELLED" if lecture.status == LectureStatus.CANCELLED else "TENTATIVE" if tentative else "CONFIRMED"
    return timed_event(event_uid(lecture, host), lecture.sequence, lecture.starts_at, lecture.ends_at,
                       lecture.time_zone, lecture_title(lecture, language).text,
                       lecture_abstract(lecture, language).text, page_url, status)


def calendar_of(events: Iterable[Event], name: str = "") -> bytes:
    """An ICS file holding `events`, with a VTIMEZONE for every zone they use (a year either side)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
    starts = []
    for event in events:
        calendar.add_component(event)
        starts.append(event.decoded("dtstart"))
    if starts:
        calendar.add_missing_timezones(first_date=(min(starts) - timedelta(days=366)).date(),
                                       last_date=(max(starts) + timedelta(days=366)).date())
    return calendar.to_ical()


def lecture_calendar(lecture: Lecture, language: str, page_url: str, host: str) -> bytes:
    """The ICS file of one lecture for a reader of `language`, pointing at `page_url`."""
    return calendar_of([lecture_event(lecture, language, page_url, host)])
