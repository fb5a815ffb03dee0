"""A calendar file (ICS) for one registration: the lecture at its local time with the IANA zone (TZID and
an embedded VTIMEZONE), a stable UID, a SEQUENCE that grows when the lecture moves, and a reminder.

The meeting link is never written into the file, because calendars are shared and synced to other
services: the event's URL is the lecture page, where registered people find their own way in.
"""
from __future__ import annotations

from datetime import timedelta

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


def lecture_calendar(lecture: Lecture, language: str, page_url: str, host: str) -> bytes:
    """The ICS file of one lecture for a reader of `language`, pointing at `page_url`."""
    starts = utc_to_local(clock.to_utc(lecture.starts_at), lecture.time_zone)
    title = lecture_title(lecture, language).text
    abstract = lecture_abstract(lecture, language).text
    event = Event()
    event.add("uid", event_uid(lecture, host))
    event.add("sequence", lecture.sequence)
    event.add("dtstamp", clock.now())
    event.add("dtstart", starts)
    event.add("dtend", starts + timedelta(minutes=lecture.duration_minutes))
    event.add("summary", title)
    event.add("description", "\n\n".join(part for part in (abstract, page_url) if part))
    event.add("url", page_url)
    event.add("status", "CANCELLED" if lecture.status == LectureStatus.CANCELLED else "CONFIRMED")
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", title)
    alarm.add("trigger", -REMINDER_BEFORE)
    event.add_component(alarm)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)
    calendar.add_missing_timezones(first_date=(starts - timedelta(days=366)).date(),
                                   last_date=(starts + timedelta(days=366)).date())
    return calendar.to_ical()
