"""Lecture series, lectures with their speakers, and registrations with a fair waiting list.

Instants are aware UTC; `time_zone` keeps the named zone staff entered the start in. `seats_taken`
counts registered people and seats held for a promoted waiting person, so it never exceeds `capacity`.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core import clock
from marketplace.core.types import enum_column
from marketplace.extensions import db

DEFAULT_TIME_ZONE = "Africa/Nairobi"


@dataclass(frozen=True)
class SpeakerPhoto:
    key: str
    width: int
    height: int
    widths: list[int]
    fallback_width: int


class Audience(enum.StrEnum):
    EVERYONE = "everyone"
    VENDORS = "vendors"


class LectureStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class RegistrationStatus(enum.StrEnum):
    REGISTERED = "registered"
    WAITING = "waiting"
    OFFERED = "offered"  # promoted from the waiting list: a seat is held until `promotion_deadline`
    CANCELLED = "cancelled"


class LectureSeries(db.Model):
    __tablename__ = "lecture_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    original_language: Mapped[str] = mapped_column(String(5), default="en")
    # A vendor whose representative attended a lecture of such a series is festival-ready (readiness.py).
    festival_preparation: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)

    texts: Mapped[list[LectureSeriesText]] = relationship(
        back_populates="series", cascade="all, delete-orphan", lazy="selectin"
    )


class LectureSeriesText(db.Model):
    __tablename__ = "lecture_series_texts"
    __table_args__ = (UniqueConstraint("series_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("lecture_series.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(5))
    title: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")

    series: Mapped[LectureSeries] = relationship(back_populates="texts")


class Lecture(db.Model):
    __tablename__ = "lectures"
    __table_args__ = (
        CheckConstraint("capacity > 0", name="lecture_capacity_positive"),
        CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name="lecture_seats_within_capacity"),
        CheckConstraint("duration_minutes > 0", name="lecture_duration_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("lecture_series.id", ondelete="SET NULL"), index=True)
    original_language: Mapped[str] = mapped_column(String(5), default="en")
    spoken_language: Mapped[str] = mapped_column(String(5), default="en")
    interpretation_languages: Mapped[str] = mapped_column(String(40), default="")  # "fr,zh"
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    time_zone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIME_ZONE)
    duration_minutes: Mapped[int] = mapped_column(default=60)
    capacity: Mapped[int]
    seats_taken: Mapped[int] = mapped_column(default=0)
    # Every registration attempt takes the next number: the waiting list's arrival order.
    arrivals: Mapped[int] = mapped_column(default=0)
    audience: Mapped[Audience] = mapped_column(enum_column(Audience), default=Audience.EVERYONE)
    join_url: Mapped[str] = mapped_column(String(500))  # secret: shown only through the signed redirect
    recording_url: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[LectureStatus] = mapped_column(enum_column(LectureStatus), default=LectureStatus.SCHEDULED)
    sequence: Mapped[int] = mapped_column(default=0)  # bumped whenever the lecture moves
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Attendance: the code the speaker reads out ("" until staff make one), and the minutes in the meeting
    # tool's participant list that count as attending (None: half the duration).
    checkin_code: Mapped[str] = mapped_column(String(12), default="")
    attendance_minimum_minutes: Mapped[int | None] = mapped_column(default=None)

    series: Mapped[LectureSeries | None] = relationship(lazy="selectin")
    texts: Mapped[list[LectureText]] = relationship(
        back_populates="lecture", cascade="all, delete-orphan", lazy="selectin"
    )
    speakers: Mapped[list[LectureSpeaker]] = relationship(
        back_populates="lecture", cascade="all, delete-orphan", lazy="selectin", order_by="LectureSpeaker.position"
    )

    @property
    def ends_at(self) -> datetime:
        return clock.to_utc(self.starts_at) + timedelta(minutes=self.duration_minutes)

    @property
    def interpretations(self) -> list[str]:
        return [code for code in self.interpretation_languages.split(",") if code]

    @property
    def seats_left(self) -> int:
        return max(0, self.capacity - self.seats_taken)

    def __repr__(self) -> str:
        return f"<Lecture {self.id}>"


class LectureText(db.Model):
    __tablename__ = "lecture_texts"
    __table_args__ = (UniqueConstraint("lecture_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lecture_id: Mapped[int] = mapped_column(ForeignKey("lectures.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(5))
    title: Mapped[str] = mapped_column(String(160))
    abstract: Mapped[str] = mapped_column(Text, default="")

    lecture: Mapped[Lecture] = relationship(back_populates="texts")


class LectureSpeaker(db.Model):
    __tablename__ = "lecture_speakers"
    __table_args__ = (UniqueConstraint("lecture_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lecture_id: Mapped[int] = mapped_column(ForeignKey("lectures.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(160), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    # The photo's renditions live in the image store under `<photo_key>-<width>.<ext>`; no key, no photo.
    photo_key: Mapped[str | None] = mapped_column(String(64))
    photo_width: Mapped[int] = mapped_column(default=0)
    photo_height: Mapped[int] = mapped_column(default=0)
    photo_widths: Mapped[str] = mapped_column(String(40), default="")  # "240,480"
    photo_fallback_width: Mapped[int] = mapped_column(default=0)

    lecture: Mapped[Lecture] = relationship(back_populates="speakers")

    @property
    def photo(self) -> SpeakerPhoto | None:
        """The photo's renditions, shaped like a product photo for the picture helpers; None without one."""
        if not self.photo_key:
            return None
        return SpeakerPhoto(self.photo_key, self.photo_width, self.photo_height,
                            [int(w) for w in self.photo_widths.split(",") if w], self.photo_fallback_width)


class Registration(db.Model):
    """One person's place at a lecture: a seat, a place on the waiting list, a held seat, or cancelled."""

    __tablename__ = "lecture_registrations"
    __table_args__ = (
        UniqueConstraint("lecture_id", "user_id", name="uq_lecture_registrations_person"),
        UniqueConstraint("lecture_id", "position", name="uq_lecture_registrations_position"),
        Index("ix_lecture_registrations_queue", "lecture_id", "status", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lecture_id: Mapped[int] = mapped_column(ForeignKey("lectures.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[RegistrationStatus] = mapped_column(enum_column(RegistrationStatus))
    position: Mapped[int]  # arrival order within the lecture
    language: Mapped[str] = mapped_column(String(5), default="en")  # e-mails are written in it
    promotion_deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the reminders a day and an hour before went out: each is claimed once, then sent.
    reminded_day_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reminded_hour_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the person was seen at the lecture (check-in code or the meeting tool's participant list).
    attended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attended_minutes: Mapped[int | None] = mapped_column(default=None)  # from the participant list
    attendance_source: Mapped[str] = mapped_column(String(12), default="")  # "code" or "import"
    checkin_failures: Mapped[int] = mapped_column(default=0)  # wrong codes typed: guessing stops at a limit
    certificate_code: Mapped[str | None] = mapped_column(String(40), unique=True)  # public verification
    certificate_name: Mapped[str] = mapped_column(String(120), default="")  # as printed, fixed once issued
    certificate_issued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)

    lecture: Mapped[Lecture] = relationship()
    user = relationship("User")


class CalendarFeed(db.Model):
    """A person's private calendar subscription: only a hash of its token is kept; a new one replaces it."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LectureMaterial(db.Model):
    """A PDF handed out with a lecture (slides, a checklist); the file lives in the materials store."""

    __tablename__ = "lecture_materials"

    id: Mapped[int] = mapped_column(primary_key=True)
    lecture_id: Mapped[int] = mapped_column(ForeignKey("lectures.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(160))
    filename: Mapped[str] = mapped_column(String(120))  # offered in the download header
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    pages: Mapped[int] = mapped_column(default=0)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)


class QuestionStatus(enum.StrEnum):
    SHOWN = "shown"
    HIDDEN = "hidden"  # moderated away by staff: only staff see it


class LectureQuestion(db.Model):
    """A registrant's question to the speakers, upvoted by others and moderated by staff."""

    __tablename__ = "lecture_questions"
    __table_args__ = (Index("ix_lecture_questions_lecture", "lecture_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lecture_id: Mapped[int] = mapped_column(ForeignKey("lectures.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(5), default="en")
    status: Mapped[QuestionStatus] = mapped_column(enum_column(QuestionStatus), default=QuestionStatus.SHOWN)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)

    user = relationship("User", foreign_keys=[user_id])


class QuestionVote(db.Model):
    """One person's upvote of a question: the unique pair is what makes it once per person."""

    __tablename__ = "lecture_question_votes"
    __table_args__ = (UniqueConstraint("question_id", "user_id", name="uq_lecture_question_votes_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("lecture_questions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
