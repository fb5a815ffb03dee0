"""Lecture registrations and attendance for the lectures that started (or start) inside a period."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select

from campaigns.lectures.models import Lecture, LectureStatus, Registration, RegistrationStatus
from campaigns.reporting.period import ReportPeriod
from marketplace.extensions import db

SEATED = (RegistrationStatus.REGISTERED, RegistrationStatus.OFFERED)


@dataclass(frozen=True)
class LectureFigures:
    lecture: Lecture
    registered: int
    waiting: int
    attended: int

    @property
    def attendance_percent(self) -> int | None:
        """Attended out of registered, in percent (None when nobody registered)."""
        return round(100 * self.attended / self.registered) if self.registered else None


def lecture_figures(period: ReportPeriod) -> list[LectureFigures]:
    """Each lecture (not cancelled) starting in the period with its seats taken, people waiting and people
    seen at it, by start time."""
    counts = select(
        Registration.lecture_id,
        func.sum(case((Registration.status.in_(SEATED), 1), else_=0)).label("registered"),
        func.sum(case((Registration.status == RegistrationStatus.WAITING, 1), else_=0)).label("waiting"),
        func.sum(case((Registration.attended_at.is_not(None), 1), else_=0)).label("attended"),
    ).group_by(Registration.lecture_id).subquery()
    rows = db.session.execute(
        select(Lecture, counts.c.registered, counts.c.waiting, counts.c.attended)
        .outerjoin(counts, counts.c.lecture_id == Lecture.id)
        .where(Lecture.status == LectureStatus.SCHEDULED, Lecture.starts_at >= period.starts_at,
               Lecture.starts_at < period.ends_at)
        .order_by(Lecture.starts_at, Lecture.id)
    ).all()
    return [LectureFigures(lecture, int(registered or 0), int(waiting or 0), int(attended or 0))
            for lecture, registered, waiting, attended in rows]
