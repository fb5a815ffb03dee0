"""Festival-ready stores: a store whose owner attended a lecture of a festival-preparation series.

Attendance is `Registration.attended_at` (set by the check-in code or the meeting tool's participant list).
Readiness gives the store a badge on its page (a store-badge source registered with the core) and is the
rule behind a festival's "only festival-ready stores may enter products" switch (a festival entry rule, so
festivals never imports lectures).
"""
from __future__ import annotations

from datetime import datetime

from flask import Flask, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from campaigns.festivals.display import time_in_zone
from campaigns.festivals.entry_rules import EntryRefusal, register_entry_rule
from campaigns.festivals.models import Festival
from campaigns.lectures.display import lecture_title
from campaigns.lectures.models import Lecture, LectureSeries, LectureStatus, Registration
from marketplace.core import clock
from marketplace.core.i18n import current_language
from marketplace.extensions import db
from marketplace.vendors.badges import StoreBadge, register_store_badge
from marketplace.vendors.models import Store

BADGE_KEY = "festival-ready"


def store_is_festival_ready(store_id: int) -> bool:
    """Whether the store's owner attended a lecture of a festival-preparation series."""
    owner = select(Store.owner_id).where(Store.id == store_id).scalar_subquery()
    attended = (
        select(Registration.id)
        .join(Lecture, Registration.lecture_id == Lecture.id)
        .join(LectureSeries, Lecture.series_id == LectureSeries.id)
        .where(LectureSeries.festival_preparation.is_(True), Registration.attended_at.is_not(None),
               Registration.user_id == owner)
        .limit(1)
    )
    return db.session.scalar(attended) is not None


def ready_store_ids(store_ids: list[int]) -> set[int]:
    """Which of `store_ids` are festival-ready, in one query (for lists of stores)."""
    if not store_ids:
        return set()
    rows = db.session.scalars(
        select(Store.id).join(Registration, Registration.user_id == Store.owner_id)
        .join(Lecture, Registration.lecture_id == Lecture.id)
        .join(LectureSeries, Lecture.series_id == LectureSeries.id)
        .where(Store.id.in_(store_ids), LectureSeries.festival_preparation.is_(True),
               Registration.attended_at.is_not(None))
        .distinct()
    )
    return set(rows)


def next_preparation_lecture(now: datetime | None = None) -> Lecture | None:
    """The next scheduled lecture of a festival-preparation series that has not started yet, or None."""
    now = now or clock.now()
    return db.session.scalar(
        select(Lecture).join(LectureSeries, Lecture.series_id == LectureSeries.id)
        .where(LectureSeries.festival_preparation.is_(True), Lecture.status == LectureStatus.SCHEDULED,
               Lecture.starts_at > now)
        .order_by(Lecture.starts_at, Lecture.id).limit(1)
    )


def festival_ready_badge(store_id: int) -> StoreBadge | None:
    """The "festival-ready" badge when the store has earned it."""
    if not store_is_festival_ready(store_id):
        return None
    return StoreBadge(BADGE_KEY, _("Festival-ready"),
                      _("The store's owner attended a festival-preparation lecture of the campaign."))


def readiness_refusal(now: datetime | None = None) -> EntryRefusal:
    """Why a store that is not festival-ready is refused, linking to the next festival-preparation lecture
    (or to the lecture list when none is scheduled)."""
    lecture = next_preparation_lecture(now)
    if lecture is None:
        return EntryRefusal(
            _("Only festival-ready stores may enter this festival: the store's owner must first attend a "
              "festival-preparation lecture. None is scheduled just now; new ones appear on the lecture list."),
            url_for("lectures.index"), _("See the online lectures"))
    language = current_language().code
    return EntryRefusal(
        _("Only festival-ready stores may enter this festival: the store's owner must first attend a "
          "festival-preparation lecture. The next one is “%(title)s”, %(time)s (%(zone)s).",
          title=lecture_title(lecture, language).text,
          time=time_in_zone(lecture.starts_at, lecture.time_zone, language), zone=lecture.time_zone),
        url_for("lectures.detail", lecture_id=lecture.id), _("Register for the next festival-preparation lecture"))


def festival_ready_rule(festival: Festival, store_id: int) -> EntryRefusal | None:
    """The festival entry rule: a festival that asks for festival-ready entrants refuses other stores."""
    if not festival.entrants_must_be_ready or store_is_festival_ready(store_id):
        return None
    return readiness_refusal()


def init_app(app: Flask) -> None:
    """Show the badge on store pages and enforce festivals' festival-ready switch."""
    register_store_badge(app, festival_ready_badge)
    register_entry_rule(app, festival_ready_rule)
