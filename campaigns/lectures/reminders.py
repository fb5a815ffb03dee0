"""Reminders a day and an hour before a lecture, to everyone with a confirmed seat, each sent once.

Each reminder is claimed with a conditional UPDATE (`reminded_…_at IS NULL`) before it goes to the mail
queue, so runs at the same time never send one twice; a send that fails gives the claim back for the
next run. Run by `flask lectures send-reminders` every few minutes (cron), or queued as a job.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from campaigns.lectures import notices
from campaigns.lectures.models import Lecture, LectureStatus, Registration, RegistrationStatus
from marketplace.core import clock, jobs
from marketplace.extensions import db

log = logging.getLogger(__name__)
DAY, HOUR = timedelta(hours=24), timedelta(hours=1)
REMINDERS_JOB = jobs.Policy(timeout=600)


def _claim(registration_id: int, column, at: datetime) -> bool:
    claimed = db.session.execute(update(Registration).where(
        Registration.id == registration_id, column.is_(None)).values({column.key: at})).rowcount == 1
    db.session.commit()
    return claimed


def send_due_reminders(at: datetime | None = None) -> int:
    """Send each due reminder once (an hour before wins over a day before when both are due); returns
    how many were handed to the mail queue."""
    at = at or clock.now()
    due = db.session.scalars(select(Registration).join(Lecture).where(
        Lecture.status == LectureStatus.SCHEDULED, Lecture.starts_at > at, Lecture.starts_at <= at + DAY,
        Registration.status == RegistrationStatus.REGISTERED,
        Registration.reminded_hour_at.is_(None)).order_by(Lecture.starts_at, Registration.id)).all()
    sent = 0
    for registration in due:
        lecture = registration.lecture
        within_hour = clock.to_utc(lecture.starts_at) <= at + HOUR
        column = Registration.reminded_hour_at if within_hour else Registration.reminded_day_at
        if not within_hour and registration.reminded_day_at is not None:
            continue
        if not _claim(registration.id, column, at):
            continue  # another run took it
        if within_hour and registration.reminded_day_at is None:
            _claim(registration.id, Registration.reminded_day_at, at)  # too late for the day-before one
        if notices.tell(lecture, registration, notices.reminder, notices.remove_link):
            sent += 1
        else:
            db.session.execute(update(Registration).where(Registration.id == registration.id)
                               .values({column.key: None}))
            db.session.commit()
    return sent


@jobs.job
def send_reminders_job() -> int:
    """The job: send the due lecture reminders in a worker process; returns how many were sent."""
    return send_due_reminders()


def enqueue_reminders() -> str:
    """Queue one reminders run (`RQ_QUEUE`); returns the job id; RedisError when Redis is unreachable."""
    return jobs.enqueue(current_app, send_reminders_job, policy=REMINDERS_JOB).id
