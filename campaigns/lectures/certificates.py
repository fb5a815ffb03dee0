"""Certificates of attendance: who may have one, issuing it (the name printed and an unguessable public
code, both fixed once issued), and looking one up for the public verification page."""
from __future__ import annotations

import base64
import secrets
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select, update

from campaigns.lectures.models import Lecture, LectureStatus, Registration, RegistrationStatus
from marketplace.accounts.models import User
from marketplace.core import clock
from marketplace.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.extensions import db

CODE_BYTES = 15  # 120 bits, 24 characters of base32
MAX_NAME = 120


def new_code() -> str:
    """A fresh verification code: lower-case base32, easy to type from paper and impossible to guess."""
    return base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode().lower()


def attendance_of(user: User, lecture: Lecture) -> Registration:
    """The person's registration when they attended; NotFound when they did not register, PermissionDenied
    when they registered but were not marked as attending."""
    registration = db.session.scalar(select(Registration).where(
        Registration.lecture_id == lecture.id, Registration.user_id == user.id))
    if registration is None or registration.status == RegistrationStatus.CANCELLED:
        raise NotFound(_("You were not registered for this lecture, so there is no certificate."))
    if registration.attended_at is None or lecture.status == LectureStatus.CANCELLED:
        raise PermissionDenied(_("Certificates are for people marked as attending: check in with the speaker's "
                                 "code during the lecture, or ask the organisers."))
    return registration


def certificate_for(user: User, lecture: Lecture, now: datetime) -> Registration:
    """The attendee's registration once the lecture is over, whether issued yet or not; NotFound or
    PermissionDenied as `attendance_of`, Conflict before the end."""
    registration = attendance_of(user, lecture)
    if now < lecture.ends_at:
        raise Conflict(_("The certificate is available once the lecture has ended."))
    return registration


def issue(user: User, lecture: Lecture, name: str, now: datetime | None = None) -> Registration:
    """Issue the attendee's certificate with `name` printed on it; once issued its name and code stay.
    ValidationError for an empty or too long name, else as `certificate_for`."""
    now = now or clock.now()
    registration = certificate_for(user, lecture, now)
    if registration.certificate_code:
        return registration
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        message = _("Enter the name to print on the certificate (at most 120 characters).")
        raise ValidationError(message, {"name": message})
    db.session.execute(update(Registration).where(
        Registration.id == registration.id, Registration.certificate_code.is_(None)).values(
        certificate_code=new_code(), certificate_name=name, certificate_issued_at=now))
    db.session.commit()
    db.session.refresh(registration)
    return registration


def issue_for_demo(registration: Registration, name: str, now: datetime) -> None:
    """Issue a certificate for a demo attendee (no request, no checks beyond attendance); commits nothing."""
    if registration.attended_at is not None and not registration.certificate_code:
        registration.certificate_code = new_code()
        registration.certificate_name = name[:MAX_NAME]
        registration.certificate_issued_at = now


def by_code(code: str) -> Registration:
    """The issued certificate with this verification code; NotFound otherwise."""
    code = code.strip().lower()
    registration = None
    if 0 < len(code) <= 40 and code.isalnum() and code.isascii():
        registration = db.session.scalar(select(Registration).where(Registration.certificate_code == code))
    if registration is None:
        raise NotFound(_("There is no certificate with this number. Check the address on the certificate."))
    return registration


def is_valid(registration: Registration) -> bool:
    """A certificate stays valid while its attendance stands and the lecture was not cancelled."""
    return registration.attended_at is not None and registration.lecture.status != LectureStatus.CANCELLED
