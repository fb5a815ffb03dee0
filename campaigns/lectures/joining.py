"""Getting into a lecture's meeting: the raw link stays on the server; each registered person gets their
own signed address that redirects to it, shown from 15 minutes before the start until the end."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import url_for
from flask_babel import gettext as _

from campaigns.lectures import tokens
from campaigns.lectures.models import Lecture, LectureStatus, Registration, RegistrationStatus
from marketplace.accounts.models import User
from marketplace.core import clock
from marketplace.core.errors import Conflict
from marketplace.extensions import db

OPENS_BEFORE = timedelta(minutes=15)


def opens_at(lecture: Lecture) -> datetime:
    """When registered people may go in: 15 minutes before the start."""
    return clock.to_utc(lecture.starts_at) - OPENS_BEFORE


def _is_open(lecture: Lecture, now: datetime) -> bool:
    return lecture.status == LectureStatus.SCHEDULED and opens_at(lecture) <= now < lecture.ends_at


def join_link(lecture: Lecture, user: User | None, now: datetime) -> str | None:
    """The person's own join address while the meeting is open and they hold a seat; None otherwise."""
    if user is None or not _is_open(lecture, now):
        return None
    registration = db.session.query(Registration).filter_by(lecture_id=lecture.id, user_id=user.id).first()
    if registration is None or registration.status != RegistrationStatus.REGISTERED:
        return None
    return url_for("lectures.join", lecture_id=lecture.id, t=tokens.sign(registration, tokens.JOIN_SALT))


def meeting_for(lecture: Lecture, token: str, now: datetime) -> str:
    """The meeting's address for the holder of `token`; ValidationError for a bad token, Conflict when the
    person holds no seat or it is not yet (or no longer) time."""
    registration = tokens.read(token, lecture.id, tokens.JOIN_SALT)
    if registration.status != RegistrationStatus.REGISTERED:
        raise Conflict(_("Only people with a confirmed seat can join this lecture."))
    if not _is_open(lecture, now):
        raise Conflict(_("The lecture opens 15 minutes before it starts. Come back then."))
    return lecture.join_url
