"""Reminders: a shopper asks to hear before a festival or a saved deal opens; a job sends each once.

"Exactly once per shopper and deal" rests on two things: a unique (user, subject) row, so asking
twice keeps one reminder, and a conditional UPDATE that claims a reminder (`sent_at IS NULL`)
before its e-mail goes out, so two job runs at once cannot both send it. A failed send un-claims it
for the next run.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from campaigns.festivals import phases
from campaigns.festivals.announcements import announce_open_registrations
from campaigns.festivals.models import Deal, DealStatus, Festival, Reminder
from campaigns.festivals.phases import Phase
from marketplace.accounts.models import User
from marketplace.catalog.services import localized
from marketplace.core import clock, jobs
from marketplace.core.clock import to_utc
from marketplace.core.errors import Conflict
from marketplace.core.zones import format_wall_time, zone_name
from marketplace.extensions import db
from marketplace.mail import Mailer, Message, get_mailer

log = logging.getLogger(__name__)
REMINDERS_JOB = jobs.Policy(timeout=600)


def _add(user: User, festival: Festival, deal: Deal | None, language: str) -> Reminder:
    subject = f"deal:{deal.id}" if deal else f"festival:{festival.id}"
    existing = db.session.scalars(
        select(Reminder).where(Reminder.user_id == user.id, Reminder.subject == subject)
    ).first()
    if existing is not None:
        return existing
    reminder = Reminder(user_id=user.id, festival_id=festival.id, deal_id=deal.id if deal else None,
                        subject=subject, language=language)
    db.session.add(reminder)
    try:
        db.session.commit()
    except IntegrityError:  # the same request twice at once: the other one's row stands
        db.session.rollback()
        return db.session.scalars(select(Reminder).where(Reminder.user_id == user.id,
                                                         Reminder.subject == subject)).one()
    return reminder


def remind_festival(user: User, festival: Festival, language: str = "en") -> Reminder:
    """Remind `user` before the festival opens (asking twice keeps one); Conflict once it has opened."""
    if phases.phase_at(festival, clock.now()) not in (Phase.SCHEDULED, Phase.REGISTRATION, Phase.CURATION,
                                                      Phase.WARM_UP):
        raise Conflict(_("This festival has already opened."))
    return _add(user, festival, None, language)


def save_deal(user: User, deal: Deal, language: str = "en") -> Reminder:
    """Save a deal and be reminded before it opens (saving twice keeps one); Conflict when it is not on offer."""
    if deal.status != DealStatus.APPROVED or clock.now() >= to_utc(deal.wave.ends_at):
        raise Conflict(_("This deal is not on offer."))
    return _add(user, deal.festival, deal, language)


def saved_deal_ids(user: User | None, festival: Festival) -> set[int]:
    """Deals of the festival the user saved."""
    if user is None:
        return set()
    return set(db.session.scalars(select(Reminder.deal_id).where(
        Reminder.user_id == user.id, Reminder.festival_id == festival.id, Reminder.deal_id.is_not(None))))


def has_festival_reminder(user: User | None, festival: Festival) -> bool:
    if user is None:
        return False
    return db.session.scalar(select(Reminder.id).where(Reminder.user_id == user.id,
                                                       Reminder.subject == f"festival:{festival.id}")) is not None


def _opening(reminder: Reminder) -> tuple[datetime, datetime] | None:
    """When the reminder's subject opens and closes (None when it has no window any more)."""
    if reminder.deal is not None:
        if reminder.deal.status != DealStatus.APPROVED:
            return None
        return to_utc(reminder.deal.wave.starts_at), to_utc(reminder.deal.wave.ends_at)
    festival = reminder.festival
    if not festival.waves:
        return None
    return festival.starts_at, festival.ends_at


def due_reminders(at: datetime, lead: timedelta) -> list[Reminder]:
    """Unsent reminders whose subject opens within `lead` of `at` and has not closed."""
    pending = db.session.scalars(select(Reminder).where(Reminder.sent_at.is_(None)).order_by(Reminder.id))
    due = []
    for reminder in pending:
        window = _opening(reminder)
        if window is not None and window[0] - lead <= at < window[1]:
            due.append(reminder)
    return due


def _message(reminder: Reminder) -> Message:
    festival = reminder.festival
    with force_locale(reminder.language):
        name = localized(festival.texts, reminder.language, festival.original_language, "name").text
        opens = _opening(reminder)[0]
        local = format_wall_time(opens, festival.time_zone, reminder.language)
        zone = zone_name(festival.time_zone, reminder.language)
        if reminder.deal is not None:
            product = localized(reminder.deal.product.texts, reminder.language,
                                reminder.deal.product.original_language, "name").text
            subject = _("Your saved deal opens soon: %(product)s", product=product)
            body = _("%(product)s goes on sale at its festival price in %(festival)s at %(time)s (%(zone)s).",
                     product=product, festival=name, time=local, zone=zone)
        else:
            subject = _("%(festival)s opens soon", festival=name)
            body = _("%(festival)s opens at %(time)s (%(zone)s). Deals have limited quantities.",
                     festival=name, time=local, zone=zone)
        return Message(reminder.user.email, str(subject), str(body), reminder.language)


def send_due_reminders(at: datetime | None = None, mailer: Mailer | None = None) -> int:
    """Send every due reminder once; returns how many were sent (failures are logged and retried next run)."""
    at = at or clock.now()
    mailer = mailer or get_mailer()
    lead = timedelta(minutes=current_app.config.get("FESTIVAL_REMINDER_MINUTES", 60))
    sent = 0
    for reminder in due_reminders(at, lead):
        claimed = db.session.execute(
            update(Reminder).where(Reminder.id == reminder.id, Reminder.sent_at.is_(None)).values(sent_at=at)
        ).rowcount
        db.session.commit()
        if not claimed:
            continue  # another run took it
        try:
            mailer.send(_message(reminder))
        except Exception:
            log.exception("reminder %s not sent; it will be retried", reminder.id)
            db.session.execute(update(Reminder).where(Reminder.id == reminder.id).values(sent_at=None))
            db.session.commit()
            continue
        sent += 1
    return sent


@jobs.job
def send_reminders_job() -> int:
    """The job: send due reminders (and registration announcements) in a worker process; returns how many
    reminders were sent."""
    announce_open_registrations()
    return send_due_reminders()


def enqueue_reminders() -> str:
    """Queue one reminders run on the RQ queue (`RQ_QUEUE`); returns the job id; RedisError when unreachable."""
    return jobs.enqueue(current_app, send_reminders_job, policy=REMINDERS_JOB).id
