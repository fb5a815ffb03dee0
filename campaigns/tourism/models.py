"""Bookable experiences: a product of kind "experience" with its facts, options, unit types and departures.

The model follows OCTO, the open standard for tours and activities: an experience has options ("shared
jeep", "private"); an option has unit types (adult, child, resident …) with a price each and departures
(a local start in the experience's zone, a capacity and a booking cutoff). Seats are counted on the
departure itself (`seats_sold`, `seats_held`), so holding `n` seats is one conditional UPDATE
(`seats_sold + seats_held + n <= capacity`) and the database refuses any count that would overbook.
"""
from __future__ import annotations

import enum
from datetime import date, datetime, time, timedelta

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.catalog.models import Product
from marketplace.core import clock
from marketplace.core.money import Money
from marketplace.core.types import enum_column
from marketplace.extensions import db

DEFAULT_ZONE = "Africa/Nairobi"


class UnitKind(enum.StrEnum):
    """Who a seat is for; each has its own price on an option."""

    ADULT = "adult"
    CHILD = "child"
    INFANT = "infant"
    SENIOR = "senior"
    STUDENT = "student"
    RESIDENT = "resident"


class DepartureStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Experience(db.Model):
    """The experience facts of one product (1:1): where, how long, for whom, and the cancellation policy.

    The policy is "free until `free_cancel_hours` before the start, then `late_refund_percent` % back",
    or no refund at all when `refundable` is false.
    """

    __tablename__ = "experiences"
    __table_args__ = (
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
        CheckConstraint("minimum_age >= 0", name="minimum_age_not_negative"),
        CheckConstraint("late_refund_percent >= 0 AND late_refund_percent <= 100", name="refund_percent_range"),
        CheckConstraint("free_cancel_hours >= 0", name="free_cancel_hours_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), unique=True)
    time_zone: Mapped[str] = mapped_column(String(64), default=DEFAULT_ZONE)
    duration_minutes: Mapped[int] = mapped_column(default=120)
    meeting_lat: Mapped[float | None] = mapped_column(Float)
    meeting_lon: Mapped[float | None] = mapped_column(Float)
    guide_languages: Mapped[str] = mapped_column(String(80), default="en")  # "en,fr,sw"
    minimum_age: Mapped[int] = mapped_column(default=0)
    refundable: Mapped[bool] = mapped_column(default=True)
    free_cancel_hours: Mapped[int] = mapped_column(default=48)
    late_refund_percent: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)

    product: Mapped[Product] = relationship(lazy="joined")
    texts: Mapped[list[ExperienceText]] = relationship(
        back_populates="experience", cascade="all, delete-orphan", lazy="selectin"
    )
    options: Mapped[list[ExperienceOption]] = relationship(
        back_populates="experience", cascade="all, delete-orphan", lazy="selectin",
        order_by="ExperienceOption.position, ExperienceOption.id",
    )

    @property
    def languages(self) -> list[str]:
        """The languages the guides speak, as codes."""
        return [code for code in self.guide_languages.split(",") if code]


class ExperienceText(db.Model):
    """The experience's texts in one language: itinerary, what is included and not, the meeting point."""

    __tablename__ = "experience_texts"
    __table_args__ = (UniqueConstraint("experience_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    experience_id: Mapped[int] = mapped_column(ForeignKey("experiences.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(5))
    itinerary: Mapped[str] = mapped_column(Text, default="")
    included: Mapped[str] = mapped_column(Text, default="")
    excluded: Mapped[str] = mapped_column(Text, default="")
    meeting_point: Mapped[str] = mapped_column(String(300), default="")

    experience: Mapped[Experience] = relationship(back_populates="texts")


class ExperienceOption(db.Model):
    """A way to take part in the experience ("shared jeep", "private"), with its own prices and departures."""

    __tablename__ = "experience_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    experience_id: Mapped[int] = mapped_column(ForeignKey("experiences.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)

    experience: Mapped[Experience] = relationship(back_populates="options")
    texts: Mapped[list[ExperienceOptionText]] = relationship(
        back_populates="option", cascade="all, delete-orphan", lazy="selectin"
    )
    units: Mapped[list[UnitType]] = relationship(
        back_populates="option", cascade="all, delete-orphan", lazy="selectin", order_by="UnitType.id"
    )


class ExperienceOptionText(db.Model):
    __tablename__ = "experience_option_texts"
    __table_args__ = (UniqueConstraint("option_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    option_id: Mapped[int] = mapped_column(ForeignKey("experience_options.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(5))
    name: Mapped[str] = mapped_column(String(120))

    option: Mapped[ExperienceOption] = relationship(back_populates="texts")


class UnitType(db.Model):
    """The price of one seat for one kind of traveller on an option, and how many one booking may take."""

    __tablename__ = "experience_unit_types"
    __table_args__ = (
        UniqueConstraint("option_id", "kind"),
        CheckConstraint("price_amount >= 0", name="unit_price_not_negative"),
        CheckConstraint("min_per_booking >= 0 AND max_per_booking >= min_per_booking", name="unit_bounds"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    option_id: Mapped[int] = mapped_column(ForeignKey("experience_options.id", ondelete="CASCADE"))
    kind: Mapped[UnitKind] = mapped_column(enum_column(UnitKind))
    price_amount: Mapped[int]  # minor units of `currency` (the store's)
    currency: Mapped[str] = mapped_column(String(3))
    min_per_booking: Mapped[int] = mapped_column(default=0)
    max_per_booking: Mapped[int] = mapped_column(default=10)
    requires_adult: Mapped[bool] = mapped_column(default=False)  # only booked beside an adult seat

    option: Mapped[ExperienceOption] = relationship(back_populates="units")

    @property
    def price(self) -> Money:
        return Money(self.price_amount, self.currency)


class Departure(db.Model):
    """One start of an option: the instant (UTC) and the local date and time it was entered as, seats and cutoff."""

    __tablename__ = "experience_departures"
    __table_args__ = (
        UniqueConstraint("option_id", "starts_at", name="uq_departure_option_start"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("seats_sold >= 0 AND seats_held >= 0", name="seats_not_negative"),
        CheckConstraint("seats_sold + seats_held <= capacity", name="seats_within_capacity"),
        CheckConstraint("cutoff_hours >= 0", name="cutoff_not_negative"),
        Index("ix_departures_calendar", "experience_id", "local_date"),
        Index("ix_departures_upcoming", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    option_id: Mapped[int] = mapped_column(ForeignKey("experience_options.id", ondelete="CASCADE"))
    experience_id: Mapped[int] = mapped_column(ForeignKey("experiences.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    local_date: Mapped[date] = mapped_column(Date)
    local_time: Mapped[time] = mapped_column(Time)
    capacity: Mapped[int]
    seats_sold: Mapped[int] = mapped_column(default=0)
    seats_held: Mapped[int] = mapped_column(default=0)
    cutoff_hours: Mapped[int] = mapped_column(default=24)
    status: Mapped[DepartureStatus] = mapped_column(enum_column(DepartureStatus), default=DepartureStatus.SCHEDULED)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)

    option: Mapped[ExperienceOption] = relationship()

    @property
    def seats_left(self) -> int:
        return max(0, self.capacity - self.seats_sold - self.seats_held)

    @property
    def closes_at(self) -> datetime:
        """The last instant bookings are taken: the start less the cutoff."""
        return clock.to_utc(self.starts_at) - timedelta(hours=self.cutoff_hours)
