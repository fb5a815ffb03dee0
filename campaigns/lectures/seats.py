"""Lecture seats and the fair waiting list.

A seat is a hold (`marketplace/orders/holds`, kind "seat"): taken by `LectureSeats`, the holder registered
at start-up, with one conditional UPDATE (`seats_taken + 1 <= capacity`, then the rowcount says whether it
was had), so the capacity holds under any number of simultaneous sign-ups on SQLite and PostgreSQL. Every
change first bumps the lecture row (`arrivals`), which serialises changes to one lecture: the row lock on
PostgreSQL, the write lock on SQLite. `seats_taken` counts registered people and seats held for a promoted
waiting person, so while anyone waits the lecture stays full and a newcomer joins the end of the line.

A freed seat goes to the first person waiting, who holds it until a deadline (24 hours, or 2 hours
before the start, whichever is sooner) and must confirm it; past the deadline it passes on. Deadlines are
checked whenever the lecture is read or changed (`settle`), with `clock.now()`: no background job needed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import exists, func, select, update

from campaigns.lectures.models import (
    Audience,
    Lecture,
    LectureStatus,
    Registration,
    RegistrationStatus,
)
from marketplace.accounts.models import Role, User
from marketplace.core import clock
from marketplace.core.errors import Conflict, NotFound, PermissionDenied
from marketplace.extensions import db
from marketplace.orders.holds.refs import HoldRef

HOLD = timedelta(hours=24)
HOLD_ENDS_BEFORE_START = timedelta(hours=2)
SEATED = (RegistrationStatus.REGISTERED, RegistrationStatus.OFFERED)


@dataclass(frozen=True)
class Place:
    """Where one person stands for a lecture: their status, and for the waiting list how many are ahead."""

    status: RegistrationStatus
    ahead: int = 0
    deadline: datetime | None = None


class LectureSeats:
    """The holder of lecture seats (`HoldRef("seat", lecture id)`), registered at start-up: conditional UPDATEs
    of `seats_taken` in the caller's transaction that raise Conflict when they cannot be had, never commit or
    roll back. Registration, cancellation and settling are the use cases that own the transaction."""

    def take(self, ref: HoldRef, owner_id: int, quantity: int, at: datetime) -> None:
        taken = db.session.execute(
            update(Lecture).where(Lecture.id == ref.id, Lecture.seats_taken + quantity <= Lecture.capacity)
            .values(seats_taken=Lecture.seats_taken + quantity)).rowcount
        if not taken:
            raise Conflict(_("This lecture is full."))

    def give_back(self, ref: HoldRef, owner_id: int, quantity: int, settled: bool = False) -> None:
        given = db.session.execute(
            update(Lecture).where(Lecture.id == ref.id, Lecture.seats_taken >= quantity)
            .values(seats_taken=Lecture.seats_taken - quantity)).rowcount
        if not given:
            raise Conflict(_("These seats were not held."))

    def retake(self, ref: HoldRef, owner_id: int, quantity: int) -> None:
        self.take(ref, owner_id, quantity, clock.now())

    def settle(self, ref: HoldRef, owner_id: int, quantity: int) -> None:
        """Nothing to do: a lecture counts a seat as taken from the moment it is held."""

    def why_not(self, ref: HoldRef, owner_id: int | None, at: datetime) -> str:
        lecture = db.session.get(Lecture, ref.id)
        if lecture is None:
            return _("There is no such lecture.")
        if lecture.status == LectureStatus.CANCELLED:
            return _("This lecture is cancelled.")
        if at >= clock.to_utc(lecture.starts_at):
            return _("Registration closed when the lecture started.")
        return _("This lecture is full.") if lecture.seats_taken >= lecture.capacity else ""


SEATS = LectureSeats()


def promotion_deadline(starts_at: datetime, now: datetime) -> datetime:
    """How long a promoted person holds a seat: 24 hours or until 2 hours before the start, whichever is
    sooner; when the start is nearer than that, until the start itself."""
    starts_at = clock.to_utc(starts_at)
    deadline = min(now + HOLD, starts_at - HOLD_ENDS_BEFORE_START)
    return deadline if deadline > now else starts_at


def _locked(lecture_id: int, arrival: bool = False) -> Lecture:
    """The lecture, fresh from the database and locked against other changes until the commit; with
    `arrival`, a new arrival number is taken too. NotFound when there is no such lecture."""
    step = Lecture.arrivals + 1 if arrival else Lecture.arrivals
    if db.session.execute(update(Lecture).where(Lecture.id == lecture_id).values(arrivals=step)).rowcount != 1:
        db.session.rollback()
        raise NotFound(_("There is no such lecture."))
    return db.session.get(Lecture, lecture_id, populate_existing=True)


def _registration(lecture_id: int, user_id: int) -> Registration | None:
    return db.session.scalars(
        select(Registration).where(Registration.lecture_id == lecture_id, Registration.user_id == user_id)
        .execution_options(populate_existing=True)).first()


def _settle_locked(lecture: Lecture, now: datetime) -> list[Registration]:
    """Pass on seats whose holders let the deadline go by, and give free seats to the people waiting
    longest; returns the newly promoted registrations (to be told after the commit)."""
    if lecture.status == LectureStatus.CANCELLED:
        return []
    lapsed = list(db.session.scalars(select(Registration).where(
        Registration.lecture_id == lecture.id, Registration.status == RegistrationStatus.OFFERED,
        Registration.promotion_deadline <= now).execution_options(populate_existing=True)))
    for registration in lapsed:
        registration.status, registration.promotion_deadline = RegistrationStatus.CANCELLED, None
        registration.updated_at = now
    free = lecture.capacity - lecture.seats_taken + len(lapsed)
    promoted: list[Registration] = []
    if free > 0 and now < clock.to_utc(lecture.starts_at):
        promoted = list(db.session.scalars(select(Registration).where(
            Registration.lecture_id == lecture.id, Registration.status == RegistrationStatus.WAITING)
            .order_by(Registration.position).limit(free).execution_options(populate_existing=True)))
        deadline = promotion_deadline(lecture.starts_at, now)
        for registration in promoted:
            registration.status, registration.promotion_deadline = RegistrationStatus.OFFERED, deadline
            registration.updated_at = now
    change = len(promoted) - len(lapsed)
    if change:
        db.session.execute(update(Lecture).where(Lecture.id == lecture.id)
                           .values(seats_taken=Lecture.seats_taken + change))
    return promoted


def _needs_settling(lecture_id: int, now: datetime) -> bool:
    """Whether a held seat has lapsed, or a seat is free while someone waits (a cheap read, no lock)."""
    lapsed = exists().where(Registration.lecture_id == lecture_id, Registration.status == RegistrationStatus.OFFERED,
                            Registration.promotion_deadline <= now)
    waiting = exists().where(Registration.lecture_id == lecture_id, Registration.status == RegistrationStatus.WAITING)
    return bool(db.session.scalar(select(lapsed)) or db.session.scalar(
        select(waiting).where(Lecture.id == lecture_id, Lecture.seats_taken < Lecture.capacity)))


def _tell_promoted(promoted: list[Registration]) -> None:
    from campaigns.lectures import notices

    for registration in promoted:
        notices.tell(registration.lecture, registration, notices.seat_offered, notices.remove_link)


def settle(lecture_id: int) -> None:
    """Bring a lecture's seats up to date at read time: lapsed holds pass on, free seats go to the waiting
    list (each promoted person is e-mailed). Does nothing when nothing is due."""
    now = clock.now()
    if not 0 < lecture_id < 2**31 or not _needs_settling(lecture_id, now):
        return
    lecture = _locked(lecture_id)
    promoted = _settle_locked(lecture, now)
    db.session.commit()
    _tell_promoted(promoted)


def fill_free_seats(lecture_id: int) -> None:
    """After the capacity grew: the people waiting longest get the new seats."""
    settle(lecture_id)


def register(lecture_id: int, user: User, language: str) -> Registration:
    """Take a seat at the lecture, or a place at the end of the waiting list when it is full; the existing
    place when the person has one. Conflict when the lecture is cancelled or has started,
    PermissionDenied when it is for vendors and the person is not one, NotFound when there is none."""
    now = clock.now()
    lecture = _locked(lecture_id, arrival=True)
    promoted = _settle_locked(lecture, now)
    try:
        _may_register(lecture, user, now)
    except (Conflict, PermissionDenied):
        db.session.rollback()
        raise
    registration = _registration(lecture.id, user.id)
    if registration is not None and registration.status != RegistrationStatus.CANCELLED:
        db.session.commit()
        _tell_promoted(promoted)
        return registration
    try:
        SEATS.take(HoldRef("seat", lecture.id), user.id, 1, now)
        took_seat = True
    except Conflict:  # full: a place at the end of the waiting list instead
        took_seat = False
    position = db.session.scalar(select(Lecture.arrivals).where(Lecture.id == lecture.id))
    status = RegistrationStatus.REGISTERED if took_seat else RegistrationStatus.WAITING
    if registration is None:
        registration = Registration(lecture_id=lecture.id, user_id=user.id, created_at=now)
        db.session.add(registration)
    registration.status, registration.position, registration.language = status, position, language
    registration.promotion_deadline, registration.updated_at = None, now
    db.session.commit()
    _tell_promoted(promoted)
    return registration


def _may_register(lecture: Lecture, user: User, now: datetime) -> None:
    if lecture.status == LectureStatus.CANCELLED:
        raise Conflict(_("This lecture is cancelled."))
    if now >= clock.to_utc(lecture.starts_at):
        raise Conflict(_("Registration closed when the lecture started."))
    if lecture.audience == Audience.VENDORS and user.role != Role.VENDOR and not user.is_staff:
        raise PermissionDenied(_("This lecture is for vendors only. Sign up as a vendor to attend it."))


def cancel(lecture_id: int, user: User) -> Registration:
    """Give up a seat, a held seat or a place on the waiting list; a freed seat goes to the person waiting
    longest. Conflict when the person holds no place."""
    now = clock.now()
    lecture = _locked(lecture_id)
    registration = _registration(lecture.id, user.id)
    if registration is None or registration.status == RegistrationStatus.CANCELLED:
        db.session.rollback()
        raise Conflict(_("You are not registered for this lecture."))
    held_seat = registration.status in SEATED
    registration.status, registration.promotion_deadline, registration.updated_at = (
        RegistrationStatus.CANCELLED, None, now)
    if held_seat:
        try:
            SEATS.give_back(HoldRef("seat", lecture.id), user.id, 1)
        except Conflict:
            db.session.rollback()
            raise
        db.session.flush()
        db.session.refresh(lecture)
    promoted = _settle_locked(lecture, now)
    db.session.commit()
    _tell_promoted(promoted)
    return registration


def confirm(lecture_id: int, user: User) -> Registration:
    """Take the seat held for a promoted person. Conflict when no seat is held for them (any more)."""
    now = clock.now()
    lecture = _locked(lecture_id)
    promoted = _settle_locked(lecture, now)
    registration = _registration(lecture.id, user.id)
    if registration is None or registration.status != RegistrationStatus.OFFERED:
        db.session.commit()
        _tell_promoted(promoted)
        raise Conflict(_("No seat is held for you: the time to confirm it has passed."))
    registration.status, registration.promotion_deadline, registration.updated_at = (
        RegistrationStatus.REGISTERED, None, now)
    db.session.commit()
    _tell_promoted(promoted)
    return registration


def place_of(lecture_id: int, user: User | None) -> Place | None:
    """The person's place at the lecture (after `settle`), or None when they have none."""
    if user is None or not user.is_authenticated:
        return None
    registration = _registration(lecture_id, user.id)
    if registration is None or registration.status == RegistrationStatus.CANCELLED:
        return None
    ahead = 0
    if registration.status == RegistrationStatus.WAITING:
        ahead = db.session.scalar(select(func.count(Registration.id)).where(
            Registration.lecture_id == lecture_id, Registration.status == RegistrationStatus.WAITING,
            Registration.position < registration.position)) or 0
    deadline = clock.to_utc(registration.promotion_deadline) if registration.promotion_deadline else None
    return Place(registration.status, ahead, deadline)
