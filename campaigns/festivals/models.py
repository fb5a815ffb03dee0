"""Festivals, their waves and deals, shoppers' per-deal purchases, reminders and price history.

Every instant is stored as aware UTC; windows are half-open `[starts_at, ends_at)`.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core import clock
from marketplace.core.money import Money
from marketplace.core.types import enum_column
from marketplace.extensions import db

DEFAULT_TIME_ZONE = "Africa/Nairobi"


@dataclass(frozen=True)
class BannerImage:
    """A festival banner's renditions, shaped like a product photo so the same picture helpers serve it."""

    key: str
    width: int
    height: int
    widths: list[int]
    fallback_width: int


class Festival(db.Model):
    __tablename__ = "festivals"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    country_code: Mapped[str | None] = mapped_column(ForeignKey("countries.code"))
    # The banner's renditions live in the image store under `<banner_key>-<width>.<ext>`; no key, no banner.
    banner_key: Mapped[str | None] = mapped_column(String(64))
    banner_width: Mapped[int] = mapped_column(default=0)
    banner_height: Mapped[int] = mapped_column(default=0)
    banner_widths: Mapped[str] = mapped_column(String(40), default="")  # "240,480,960"
    banner_fallback_width: Mapped[int] = mapped_column(default=0)
    time_zone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIME_ZONE)
    original_language: Mapped[str] = mapped_column(String(5), default="en")
    registration_opens_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    registration_closes_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    warmup_starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    paused_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When approved vendors were told that registration opened (once per festival).
    registration_announced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Staff's switch: only festival-ready stores may enter products (the rule is registered by lectures).
    entrants_must_be_ready: Mapped[bool] = mapped_column(default=False)
    # A deal rule: the stores' shipping is free on orders of this festival's deals while it is live.
    free_shipping: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Staff's switch: while a wave is open, checkouts with its deals pass one by one at this many a minute
    # (campaigns/festivals/waiting_room); off by default.
    waiting_room: Mapped[bool] = mapped_column(default=False)
    waiting_room_rate: Mapped[int] = mapped_column(default=600)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)

    texts: Mapped[list[FestivalText]] = relationship(
        back_populates="festival", cascade="all, delete-orphan", lazy="selectin"
    )
    waves: Mapped[list[Wave]] = relationship(
        back_populates="festival", cascade="all, delete-orphan", lazy="selectin", order_by="Wave.starts_at"
    )

    @property
    def banner(self) -> BannerImage | None:
        """The banner's renditions, or None when the festival has none."""
        if not self.banner_key:
            return None
        widths = [int(w) for w in self.banner_widths.split(",") if w]
        return BannerImage(self.banner_key, self.banner_width, self.banner_height, widths,
                           self.banner_fallback_width)

    @property
    def starts_at(self) -> datetime | None:
        return clock.to_utc(self.waves[0].starts_at) if self.waves else None

    @property
    def ends_at(self) -> datetime | None:
        return max(clock.to_utc(w.ends_at) for w in self.waves) if self.waves else None

    def __repr__(self) -> str:
        return f"<Festival {self.id} {self.slug}>"


class FestivalText(db.Model):
    __tablename__ = "festival_texts"
    __table_args__ = (UniqueConstraint("festival_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    festival_id: Mapped[int] = mapped_column(ForeignKey("festivals.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(5))
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    theme: Mapped[str] = mapped_column(String(80), default="")  # "" when the theme is not in this language

    festival: Mapped[Festival] = relationship(back_populates="texts")


class Wave(db.Model):
    """One live window of a festival, with its own deals."""

    __tablename__ = "festival_waves"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="wave_ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    festival_id: Mapped[int] = mapped_column(ForeignKey("festivals.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)

    festival: Mapped[Festival] = relationship(back_populates="waves")
    deals: Mapped[list[Deal]] = relationship(back_populates="wave", order_by="Deal.id")


class DealStatus(enum.StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Deal(db.Model):
    """A vendor's entry of one product into one wave: festival price, quantity cap and units sold."""

    __tablename__ = "festival_deals"
    __table_args__ = (
        UniqueConstraint("wave_id", "product_id"),
        CheckConstraint("sold >= 0 AND sold <= cap", name="sold_within_cap"),
        CheckConstraint("cap > 0", name="cap_positive"),
        CheckConstraint("price_amount > 0", name="deal_price_positive"),
        Index("ix_festival_deals_product_status", "product_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    festival_id: Mapped[int] = mapped_column(ForeignKey("festivals.id", ondelete="CASCADE"), index=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("festival_waves.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    price_amount: Mapped[int]  # minor units of `currency`, the product's currency
    currency: Mapped[str] = mapped_column(String(3))
    cap: Mapped[int]
    sold: Mapped[int] = mapped_column(default=0)
    per_shopper_limit: Mapped[int | None]
    status: Mapped[DealStatus] = mapped_column(enum_column(DealStatus), default=DealStatus.PROPOSED)
    review_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    festival: Mapped[Festival] = relationship()
    wave: Mapped[Wave] = relationship(back_populates="deals")
    product = relationship("Product")
    store = relationship("Store")

    @property
    def price(self) -> Money:
        return Money(self.price_amount, self.currency)

    @property
    def left(self) -> int:
        return max(0, self.cap - self.sold)


class DealPurchase(db.Model):
    """How many units of a deal one shopper holds, for the per-shopper limit."""

    __tablename__ = "festival_deal_purchases"
    __table_args__ = (CheckConstraint("quantity >= 0", name="purchase_not_negative"),)

    deal_id: Mapped[int] = mapped_column(ForeignKey("festival_deals.id", ondelete="CASCADE"), primary_key=True)
    shopper_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    quantity: Mapped[int] = mapped_column(default=0)


class Reminder(db.Model):
    """A shopper's wish to hear before a festival (deal_id empty) or a saved deal opens; sent once."""

    __tablename__ = "festival_reminders"
    __table_args__ = (UniqueConstraint("user_id", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    festival_id: Mapped[int] = mapped_column(ForeignKey("festivals.id", ondelete="CASCADE"), index=True)
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("festival_deals.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(40))  # "festival:<id>" or "deal:<id>": one reminder each
    language: Mapped[str] = mapped_column(String(5), default="en")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user = relationship("User")
    festival: Mapped[Festival] = relationship()
    deal: Mapped[Deal | None] = relationship()


class DealDeparture(db.Model):
    """The seats of one departure sold at an experience deal's price: a deal on an experience caps the seats
    each departure sells at the festival price (`Deal.cap` is per departure), counted here."""

    __tablename__ = "festival_deal_departures"
    __table_args__ = (
        UniqueConstraint("deal_id", "departure_id"),
        CheckConstraint("sold >= 0", name="deal_departure_sold_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("festival_deals.id", ondelete="CASCADE"))
    departure_id: Mapped[int] = mapped_column(ForeignKey("experience_departures.id", ondelete="CASCADE"), index=True)
    sold: Mapped[int] = mapped_column(default=0)
