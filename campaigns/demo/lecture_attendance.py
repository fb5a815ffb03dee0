"""Demo attendance: the past demo lectures get an audience — the demo vendor and other demo vendors (the
demo shopper too where the lecture is open to everyone) — most of whom attended, some checked in with the
speaker's code and some found in the meeting tool's participant list, and the demo vendor's certificates.

Seats are taken directly (registration closes at the start, and these lectures are over). A lecture that
already has registrations is left alone, so a second run adds nothing.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from campaigns.lectures import certificates
from campaigns.lectures.models import Audience, Lecture, Registration, RegistrationStatus
from marketplace.accounts.models import Role, User
from marketplace.core import clock
from marketplace.extensions import db
from marketplace.vendors.models import Store, StoreStatus

AUDIENCE = 12  # people per past lecture
ABSENT_EVERY = 5  # one in five registered people did not come


def _audience(lecture: Lecture) -> list[User]:
    people = list(db.session.scalars(select(User).where(User.email == "vendor@example.com")))
    people += db.session.scalars(select(User).join(Store, Store.owner_id == User.id).where(
        Store.status == StoreStatus.APPROVED, User.email != "vendor@example.com").order_by(User.id)
        .limit(AUDIENCE - 2))
    if lecture.audience == Audience.EVERYONE:
        people += db.session.scalars(select(User).where(User.role == Role.SHOPPER,
                                                        User.email == "shopper@example.com"))
    return people


def seed_lecture_attendance() -> int:
    """Give the past demo lectures their audience, attendance and certificates; returns how many people."""
    now = clock.now()
    past = [lecture for lecture in db.session.scalars(select(Lecture).order_by(Lecture.starts_at))
            if lecture.ends_at <= now]
    added = 0
    for lecture in past:
        if db.session.scalar(select(func.count(Registration.id)).where(Registration.lecture_id == lecture.id)):
            continue
        starts = clock.to_utc(lecture.starts_at)
        for index, person in enumerate(_audience(lecture)[:lecture.capacity]):
            lecture.arrivals += 1
            lecture.seats_taken += 1
            registration = Registration(lecture_id=lecture.id, user_id=person.id, position=lecture.arrivals,
                                        status=RegistrationStatus.REGISTERED, language=person.preferred_language,
                                        created_at=starts - timedelta(days=5 - index % 4),
                                        updated_at=starts - timedelta(days=1))
            if index % ABSENT_EVERY != ABSENT_EVERY - 1:
                by_code = index % 2 == 0
                registration.attended_at = starts + timedelta(minutes=3 + index) if by_code else lecture.ends_at
                registration.attendance_source = "code" if by_code else "import"
                registration.attended_minutes = None if by_code else lecture.duration_minutes - 4 * index
                if person.email == "vendor@example.com":
                    certificates.issue_for_demo(registration, person.display_name or "Demo vendor",
                                                lecture.ends_at + timedelta(hours=2))
            db.session.add(registration)
            added += 1
        lecture.attendance_minimum_minutes = lecture.duration_minutes // 2
    db.session.commit()
    return added
