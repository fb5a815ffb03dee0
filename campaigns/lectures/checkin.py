"""Checking in at a lecture: staff make a short code that the speaker reads out, and a person with a seat
types it on the lecture page while the lecture is on, which marks them as attending.

The window runs from 10 minutes before the start to the end. Guessing is bounded: each registration may
type a wrong code only a few times (and the page is rate-limited per person as well).
"""
from __future__ import annotations

import secrets
import unicodedata
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select, update

from campaigns.lectures.models import Lecture, LectureSeries, LectureStatus, Registration, RegistrationStatus
from marketplace.accounts.models import User
from marketplace.core import clock
from marketplace.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.core.page_cache import mark_catalogue_changed
from marketplace.extensions import db

CODE_DIGITS = 6
OPENS_BEFORE = timedelta(minutes=10)
MAX_WRONG_CODES = 5


def _require_staff(user: User) -> None:
    if not user.is_staff:
        raise PermissionDenied(_("Only campaign staff can do this."))


def new_checkin_code(user: User, lecture: Lecture) -> str:
    """Give the lecture a new check-in code (the old one stops working); PermissionDenied for non-staff,
    Conflict for a cancelled lecture."""
    _require_staff(user)
    if lecture.status == LectureStatus.CANCELLED:
        raise Conflict(_("This lecture is cancelled."))
    code = "".join(str(secrets.randbelow(10)) for _digit in range(CODE_DIGITS))
    lecture.checkin_code = code
    db.session.commit()
    return code


def window(lecture: Lecture) -> tuple[datetime, datetime]:
    """When checking in is possible: [start - 10 minutes, end)."""
    return clock.to_utc(lecture.starts_at) - OPENS_BEFORE, lecture.ends_at


def is_open(lecture: Lecture, now: datetime) -> bool:
    """True while people can check in."""
    opens, closes = window(lecture)
    return lecture.status == LectureStatus.SCHEDULED and opens <= now < closes


def normalised(code: str) -> str:
    """The code as typed, with spaces and dashes dropped and any script's digits (Arabic-Indic, full-width
    …) read as 0-9; other characters are kept, so the code simply does not match."""
    digits = []
    for char in code.strip()[:40]:
        if char in " -\u00a0":
            continue
        value = unicodedata.digit(char, None)
        digits.append(str(value) if value is not None else char)
    return "".join(digits)


def check_in(user: User, lecture: Lecture, code: str, now: datetime) -> Registration:
    """Mark `user` as attending `lecture` with the code the speaker gave. Conflict when the lecture is
    cancelled, outside the window, the person has no confirmed seat or has typed too many wrong codes;
    ValidationError for a wrong code (counted). Checking in twice is harmless."""
    if lecture.status == LectureStatus.CANCELLED:
        raise Conflict(_("This lecture is cancelled."))
    registration = db.session.scalar(select(Registration).where(
        Registration.lecture_id == lecture.id, Registration.user_id == user.id))
    if registration is None or registration.status != RegistrationStatus.REGISTERED:
        raise Conflict(_("Only people with a confirmed seat can check in."))
    if registration.attended_at is not None:
        return registration
    if not is_open(lecture, now):
        raise Conflict(_("Checking in opens 10 minutes before the start and closes when the lecture ends."))
    if registration.checkin_failures >= MAX_WRONG_CODES:
        raise Conflict(_("Too many wrong codes. Ask the organisers to mark your attendance."))
    if not lecture.checkin_code:
        raise Conflict(_("The speaker has not given a check-in code yet."))
    if not secrets.compare_digest(normalised(code).encode(), lecture.checkin_code.encode()):
        db.session.execute(update(Registration).where(Registration.id == registration.id).values(
            checkin_failures=Registration.checkin_failures + 1))
        db.session.commit()
        left = MAX_WRONG_CODES - registration.checkin_failures
        if left <= 0:
            raise Conflict(_("Too many wrong codes. Ask the organisers to mark your attendance."))
        message = ngettext("This is not the code. Check the code the speaker shows; %(num)d try left.",
                           "This is not the code. Check the code the speaker shows; %(num)d tries left.", left)
        raise ValidationError(message, {"code": message})
    db.session.execute(update(Registration).where(
        Registration.id == registration.id, Registration.attended_at.is_(None)).values(
        attended_at=now, attendance_source="code", updated_at=now))
    attendance_changed(lecture)
    db.session.commit()
    db.session.refresh(registration)
    return registration


def set_attendance(user: User, lecture: Lecture, registration_id: int, attended: bool, now: datetime) -> Registration:
    """Staff mark a person with a seat as attending (source "staff"), or withdraw it — which also makes an
    issued certificate invalid. PermissionDenied for non-staff; NotFound for a registration of another
    lecture; Conflict for a person without a seat, a cancelled lecture or one not started."""
    _require_staff(user)
    registration = db.session.get(Registration, registration_id) if 0 < registration_id <= 2**31 - 1 else None
    if registration is None or registration.lecture_id != lecture.id:
        raise NotFound(_("There is no such registration for this lecture."))
    if lecture.status == LectureStatus.CANCELLED:
        raise Conflict(_("This lecture is cancelled."))
    if now < window(lecture)[0]:
        raise Conflict(_("Attendance can be marked once check-in opens, 10 minutes before the start."))
    if registration.status != RegistrationStatus.REGISTERED:
        raise Conflict(_("Only people with a confirmed seat can be marked as attending."))
    if attended and registration.attended_at is None:
        registration.attended_at, registration.attendance_source = min(now, lecture.ends_at), "staff"
    elif not attended:
        registration.attended_at, registration.attended_minutes, registration.attendance_source = None, None, ""
    registration.updated_at = now
    attendance_changed(lecture)
    db.session.commit()
    return registration


def attendance_changed(lecture: Lecture) -> None:
    """Attendance at a festival-preparation lecture can make a store festival-ready (or not): its badge shows on
    cached store pages, so they are refreshed at the commit (registrations are not a watched table)."""
    series = db.session.get(LectureSeries, lecture.series_id) if lecture.series_id is not None else None
    if series is not None and series.festival_preparation:
        mark_catalogue_changed(db.session)
