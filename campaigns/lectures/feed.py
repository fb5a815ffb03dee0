"""A person's private calendar feed: their lectures (any place not cancelled) and the festivals' waves,
read by calendar apps from `/<lang>/me/calendar.ics?token=…`.

One feed per person. Only a SHA-256 hash of its token is stored, so the address is shown once, when it is
made; making a new one kills the old address at once, and turning the feed off kills it too.
"""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, select

from campaigns.festivals.display import festival_name
from campaigns.festivals.models import Festival, Wave
from campaigns.festivals.phases import SHOPPER_VISIBLE, phase_at
from campaigns.lectures.calendar import calendar_of, lecture_event, timed_event
from campaigns.lectures.models import CalendarFeed, Lecture, Registration, RegistrationStatus
from marketplace.accounts.models import User
from marketplace.core import clock
from marketplace.extensions import db

TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 100  # longer "tokens" are refused before hashing
LECTURES_KEPT = timedelta(days=90)  # past lectures stay in the feed this long
WAVES_KEPT = timedelta(days=30)
USE_RECORDED_EVERY = timedelta(hours=1)  # "last read" is written at most this often


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_of(user: User) -> CalendarFeed | None:
    """The person's feed, or None when they have none (never made, or turned off)."""
    return db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def issue_feed(user: User) -> str:
    """Make the person a new feed token, replacing (and so killing) any earlier one; returns the token,
    which is not stored and cannot be shown again."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    feed = feed_of(user)
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        db.session.add(feed)
    feed.token_hash, feed.created_at, feed.last_used_at = _digest(token), clock.now(), None
    db.session.commit()
    return token


def revoke_feed(user: User) -> bool:
    """Turn the person's feed off; False when there was none."""
    removed = db.session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id)).rowcount
    db.session.commit()
    return bool(removed)


def owner_of(token: str) -> User | None:
    """The person whose live feed `token` opens, or None for an unknown, revoked or malformed token."""
    if not token or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        return None
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == _digest(token)))
    if feed is None or not secrets.compare_digest(feed.token_hash, _digest(token)):
        return None
    now = clock.now()
    if feed.last_used_at is None or clock.to_utc(feed.last_used_at) + USE_RECORDED_EVERY <= now:
        feed.last_used_at = now
        db.session.commit()
    return db.session.get(User, feed.user_id)


def feed_lectures(user: User, now: datetime) -> list[tuple[Lecture, RegistrationStatus]]:
    """The person's lectures with their place, from 90 days ago on, by start; cancelled places left out."""
    rows = db.session.execute(
        select(Lecture, Registration.status).join(Registration, Registration.lecture_id == Lecture.id)
        .where(Registration.user_id == user.id, Registration.status != RegistrationStatus.CANCELLED,
               Lecture.starts_at >= now - LECTURES_KEPT)
        .order_by(Lecture.starts_at, Lecture.id)).all()
    return [(row[0], row[1]) for row in rows]


def feed_waves(now: datetime) -> list[tuple[Festival, int, Wave]]:
    """Every wave of the festivals shoppers can see that ended in the last 30 days or is still to come,
    with its number within the festival."""
    waves = db.session.scalars(select(Wave).where(Wave.ends_at >= now - WAVES_KEPT).order_by(Wave.starts_at))
    found = []
    for wave in waves:
        festival = wave.festival
        if phase_at(festival, now) in SHOPPER_VISIBLE:
            found.append((festival, [w.id for w in festival.waves].index(wave.id) + 1, wave))
    return found


def person_calendar(user: User, language: str, host: str, lecture_url: Callable[[Lecture], str],
                    festival_url: Callable[[Festival], str]) -> bytes:
    """The ICS body of the person's feed in `language`: lectures with their page as URL (never the meeting
    link; a waiting place is TENTATIVE) and festival waves with the festival's page."""
    now = clock.now()
    events = [lecture_event(lecture, language, lecture_url(lecture), host,
                            tentative=status == RegistrationStatus.WAITING)
              for lecture, status in feed_lectures(user, now)]
    for festival, number, wave in feed_waves(now):
        name = festival_name(festival, language).text
        title = _("%(festival)s, wave %(number)d", festival=name, number=number) if len(festival.waves) > 1 else name
        events.append(timed_event(f"festival-wave-{wave.id}@{host}", 0, wave.starts_at, wave.ends_at,
                                  festival.time_zone, title, _("Festival deals are on sale in this window."),
                                  festival_url(festival)))
    return calendar_of(events, _("Silk Road Market"))
