"""What the public lecture pages list: upcoming lectures by date with filters, and past ones with recordings."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from campaigns.lectures.models import Audience, Lecture, LectureStatus
from marketplace.core import clock
from marketplace.core.i18n import LANGUAGES
from marketplace.extensions import db

PAST_SHOWN = 30
LIMITED_SHARE = 0.2  # under a fifth of the seats left: "limited"


@dataclass(frozen=True)
class Filters:
    """The list's filters as the visitor chose them; unknown values are dropped, never an error."""

    series_id: int | None = None
    language: str | None = None
    audience: Audience | None = None

    @classmethod
    def from_args(cls, args: dict[str, str]) -> Filters:
        """Filters from query arguments, ignoring values that name nothing."""
        series = args.get("series", "")
        language = args.get("language", "")
        audience = args.get("audience", "")
        return cls(int(series) if series.isdigit() and len(series) < 10 else None,
                   language if language in LANGUAGES else None,
                   Audience(audience) if audience in {a.value for a in Audience} else None)


def _filtered(query, filters: Filters):
    if filters.series_id is not None:
        query = query.where(Lecture.series_id == filters.series_id)
    if filters.language:
        query = query.where(or_(Lecture.spoken_language == filters.language,
                                Lecture.interpretation_languages.contains(filters.language)))
    if filters.audience:
        query = query.where(Lecture.audience == filters.audience)
    return query


def upcoming(filters: Filters, now: datetime | None = None) -> list[Lecture]:
    """Scheduled lectures not yet over, soonest first."""
    now = now or clock.now()
    longest = timedelta(minutes=600)
    query = select(Lecture).where(Lecture.status == LectureStatus.SCHEDULED, Lecture.starts_at > now - longest)
    lectures = db.session.scalars(_filtered(query, filters).order_by(Lecture.starts_at, Lecture.id)).all()
    return [lecture for lecture in lectures if lecture.ends_at > now]


def past_with_recordings(filters: Filters, now: datetime | None = None) -> list[Lecture]:
    """Lectures that are over and have a recording, latest first."""
    now = now or clock.now()
    query = select(Lecture).where(Lecture.status == LectureStatus.SCHEDULED, Lecture.recording_url != "",
                                  Lecture.starts_at < now)
    lectures = db.session.scalars(_filtered(query, filters).order_by(Lecture.starts_at.desc(), Lecture.id.desc())
                                  .limit(PAST_SHOWN)).all()
    return [lecture for lecture in lectures if lecture.ends_at <= now]


def seats_are_limited(lecture: Lecture) -> bool:
    """Whether fewer than a fifth of the seats are left (but some are)."""
    return 0 < lecture.seats_left < lecture.capacity * LIMITED_SHARE
