"""Verified reviews: a rating and text a shopper gives a product for one delivered order line, its texts per
language, up to three photos, the vendor's one answer, and staff moderation."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core import clock
from marketplace.core.types import enum_column
from marketplace.extensions import db


class ReviewState(enum.StrEnum):
    SHOWN = "shown"
    HIDDEN = "hidden"  # by staff, with a reason the author sees


class Review(db.Model):
    """One shopper's rating of a product for one delivered order line (a line has at most one review)."""

    __tablename__ = "product_reviews"
    __table_args__ = (
        UniqueConstraint("order_line_id", name="uq_product_reviews_line"),
        CheckConstraint("rating >= 1 AND rating <= 5", name="review_rating_range"),
        Index("ix_product_reviews_product_state", "product_id", "state", "id"),
        Index("ix_product_reviews_store_state", "store_id", "state", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    rating: Mapped[int]
    language: Mapped[str] = mapped_column(String(5))  # the language the author wrote in
    state: Mapped[ReviewState] = mapped_column(enum_column(ReviewState), default=ReviewState.SHOWN)
    hidden_reason: Mapped[str] = mapped_column(Text, default="")
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answer: Mapped[str] = mapped_column(Text, default="")  # the vendor's one answer
    answer_language: Mapped[str] = mapped_column(String(5), default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)

    product = relationship("Product")
    store = relationship("Store")
    author = relationship("User", foreign_keys=[author_id])
    line = relationship("OrderLine")
    texts: Mapped[list[ReviewText]] = relationship(
        back_populates="review", cascade="all, delete-orphan", lazy="selectin"
    )
    photos: Mapped[list[ReviewPhoto]] = relationship(
        back_populates="review", cascade="all, delete-orphan", lazy="selectin", order_by="ReviewPhoto.position"
    )

    @property
    def is_hidden(self) -> bool:
        return self.state == ReviewState.HIDDEN


class ReviewText(db.Model):
    """The review's text in one language: the author's own, or a translation the author added."""

    __tablename__ = "review_texts"
    __table_args__ = (UniqueConstraint("review_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("product_reviews.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(5))
    body: Mapped[str] = mapped_column(Text, default="")

    review: Mapped[Review] = relationship(back_populates="texts")


class ReviewPhoto(db.Model):
    """A photo of a review: renditions in the image store under `<key>-<width>.<ext>`, like product photos."""

    __tablename__ = "review_photos"
    __table_args__ = (UniqueConstraint("review_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("product_reviews.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    key: Mapped[str] = mapped_column(String(64))
    width: Mapped[int] = mapped_column(default=0)
    height: Mapped[int] = mapped_column(default=0)
    rendition_widths: Mapped[str] = mapped_column(String(40), default="")
    fallback_width: Mapped[int] = mapped_column(default=0)

    review: Mapped[Review] = relationship(back_populates="photos")

    @property
    def widths(self) -> list[int]:
        return [int(w) for w in self.rendition_widths.split(",") if w]
