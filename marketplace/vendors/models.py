"""Stores: the African vendors' shops, and their per-locale texts."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core import clock
from marketplace.core.types import enum_column
from marketplace.extensions import db


class StoreStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


class Store(db.Model):
    __tablename__ = "stores"
    __table_args__ = (Index("ix_stores_country_status", "country_code", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"))
    city: Mapped[str] = mapped_column(String(80), default="")
    original_language: Mapped[str] = mapped_column(String(5), default="en")
    status: Mapped[StoreStatus] = mapped_column(enum_column(StoreStatus), default=StoreStatus.DRAFT)
    is_campaign: Mapped[bool] = mapped_column(default=False, index=True)
    featured: Mapped[bool] = mapped_column(default=False)
    founded_year: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    texts: Mapped[list[StoreText]] = relationship(
        back_populates="store", cascade="all, delete-orphan", lazy="selectin"
    )
    owner = relationship("User")
    country = relationship("Country")

    @property
    def is_public(self) -> bool:
        return self.status == StoreStatus.APPROVED

    def __repr__(self) -> str:
        return f"<Store {self.id} {self.slug}>"


class StoreText(db.Model):
    __tablename__ = "store_texts"
    __table_args__ = (UniqueConstraint("store_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(5))
    tagline: Mapped[str] = mapped_column(String(160), default="")
    story: Mapped[str] = mapped_column(Text, default="")

    store: Mapped[Store] = relationship(back_populates="texts")
