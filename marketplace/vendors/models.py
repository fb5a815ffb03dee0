"""Stores: the African vendors' shops, their per-locale texts, and what the campaign owes them."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core import clock
from marketplace.core.types import DecimalText, enum_column
from marketplace.extensions import db


class StoreStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


class PayoutMethod(enum.StrEnum):
    BANK = "bank"
    MOBILE_MONEY = "mobile_money"


store_categories = Table(
    "store_categories",
    db.metadata,
    Column("store_id", ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True),
)


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
    logo_key: Mapped[str | None] = mapped_column(String(64))
    # Shown reviews of the store's products: count and sum of stars (kept by marketplace/reviews).
    rating_count: Mapped[int] = mapped_column(default=0, server_default="0")
    rating_total: Mapped[int] = mapped_column(default=0, server_default="0")

    # Business details (onboarding step 3)
    registration_number: Mapped[str] = mapped_column(String(64), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")  # E.164
    # Payout details (step 4): kept for staff, shown back to the vendor only masked
    payout_method: Mapped[PayoutMethod | None] = mapped_column(enum_column(PayoutMethod))
    payout_provider: Mapped[str] = mapped_column(String(80), default="")  # bank or mobile-money operator
    payout_account_name: Mapped[str] = mapped_column(String(120), default="")
    payout_account_number: Mapped[str] = mapped_column(String(64), default="")
    # Set when an approved store changes its payout details: its settlements wait until staff confirm them.
    payout_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    payout_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    payout_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    # Review
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    review_note: Mapped[str] = mapped_column(Text, default="")  # the reason the vendor sees
    campaign_marked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    texts: Mapped[list[StoreText]] = relationship(back_populates="store", cascade="all, delete-orphan")
    owner = relationship("User", foreign_keys=[owner_id])
    reviewer = relationship("User", foreign_keys=[reviewer_id])
    payout_confirmed_by = relationship("User", foreign_keys=[payout_confirmed_by_id])
    country = relationship("Country")
    categories = relationship("Category", secondary=store_categories)
    documents: Mapped[list[StoreDocument]] = relationship(
        back_populates="store", cascade="all, delete-orphan", order_by="StoreDocument.id"
    )

    @property
    def rating_average(self) -> float | None:
        """The mean of the stars of the store's shown reviews, or None before the first one."""
        return self.rating_total / self.rating_count if self.rating_count else None

    @property
    def is_public(self) -> bool:
        return self.status == StoreStatus.APPROVED

    @property
    def payout_on_hold(self) -> bool:
        """New payout details wait for staff to confirm them: nothing is settled to them before."""
        return self.payout_changed_at is not None

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


class StoreDocument(db.Model):
    """A verification document (PDF, JPEG or PNG) kept in private storage, for staff only."""

    __tablename__ = "store_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(160))  # the vendor's name for it, cleaned, for display
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    storage_key: Mapped[str] = mapped_column(String(80), unique=True)  # server-chosen
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)

    store: Mapped[Store] = relationship(back_populates="documents")


class SlotQuota(db.Model):
    """A limited number of slots (the campaign's 100 stores, 1,000 products), claimed by conditional UPDATE."""

    __tablename__ = "slot_quotas"
    __table_args__ = (CheckConstraint("used >= 0 AND used <= slot_limit", name="used_within_limit"),)

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    used: Mapped[int] = mapped_column(default=0)
    slot_limit: Mapped[int]


class PayableKind(enum.StrEnum):
    SALE = "sale"  # a vendor order was paid: the store is owed its subtotal less commission
    REVERSAL = "reversal"  # money of that sale went back to the shopper (a refund): its amount, negated


class PayableEntry(db.Model):
    """One line of the vendor payables ledger; balances are sums of these and nothing else."""

    __tablename__ = "payable_entries"
    __table_args__ = (
        # One sale per vendor order, and one reversal per refund (a part may be refunded in several goes).
        Index("uq_payable_entries_one_sale", "vendor_order_id", unique=True,
              sqlite_where=text("kind = 'sale'"), postgresql_where=text("kind = 'sale'")),
        UniqueConstraint("refund_id"),
        Index("ix_payable_entries_store_settlement", "store_id", "settlement_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    vendor_order_id: Mapped[int] = mapped_column(ForeignKey("vendor_orders.id"))
    kind: Mapped[PayableKind] = mapped_column(enum_column(PayableKind))
    currency: Mapped[str] = mapped_column(String(3))
    gross_amount: Mapped[int]  # signed, minor units: what the shopper paid for this store's part
    commission_amount: Mapped[int]  # signed: the campaign's share
    amount: Mapped[int]  # signed: what the store is owed, gross less commission
    commission_rate: Mapped[Decimal] = mapped_column(DecimalText)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now, index=True)
    settlement_id: Mapped[int | None] = mapped_column(ForeignKey("payable_settlements.id"))
    refund_id: Mapped[int | None] = mapped_column(ForeignKey("refunds.id"))  # what a reversal gave back


class Settlement(db.Model):
    """Staff paid a store what its unsettled entries of one currency in a period added up to."""

    __tablename__ = "payable_settlements"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int]
    period_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    period_end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    transfer_reference: Mapped[str] = mapped_column(String(120), default="")
    settled_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
