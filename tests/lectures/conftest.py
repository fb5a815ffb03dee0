"""Lecture fixtures: a fixed future start, and factories for series, lectures and speakers."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from campaigns.lectures.models import (
    Audience,
    Lecture,
    LectureSeries,
    LectureSeriesText,
    LectureSpeaker,
    LectureText,
)
from marketplace.accounts.models import Role
from marketplace.extensions import db

START = datetime(2031, 5, 20, 9, 0, tzinfo=UTC)  # 12:00 in Nairobi
JOIN_URL = "https://meet.example.org/silk-road-secret-room-8841"


@pytest.fixture
def staff(make_user):
    return make_user(role=Role.STAFF)


@pytest.fixture
def make_series(app):
    def make(titles: dict[str, str] | None = None, original: str = "en") -> LectureSeries:
        series = LectureSeries(original_language=original, texts=[
            LectureSeriesText(language=k, title=v, description=f"About {v}")
            for k, v in (titles or {"en": "Selling to China", "zh": "向中国销售"}).items()])
        db.session.add(series)
        db.session.commit()
        return series

    return make


@pytest.fixture
def make_lecture(app):
    def make(capacity: int = 50, starts_at: datetime = START, titles: dict[str, str] | None = None,
             original: str = "en", audience: Audience = Audience.EVERYONE, series=None, zone: str = "Africa/Nairobi",
             spoken: str = "en", interpretation: str = "", recording: str = "") -> Lecture:
        lecture = Lecture(
            series_id=series.id if series else None, original_language=original, spoken_language=spoken,
            interpretation_languages=interpretation, starts_at=starts_at, time_zone=zone, duration_minutes=90,
            capacity=capacity, audience=audience, join_url=JOIN_URL, recording_url=recording,
            texts=[LectureText(language=k, title=v, abstract=f"What {v} covers")
                   for k, v in (titles or {"en": "Photographing products for Chinese shoppers"}).items()],
            speakers=[LectureSpeaker(position=0, name="Amina Yusuf", role="Photographer, Lagos",
                                     bio="Shoots catalogues for 40 African brands.")],
        )
        db.session.add(lecture)
        db.session.commit()
        return lecture

    return make


@pytest.fixture
def outbox(app):
    from marketplace.mail import get_mailer

    mailer = get_mailer()
    mailer.outbox.clear()
    return mailer.outbox
