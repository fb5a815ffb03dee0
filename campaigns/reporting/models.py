"""The shopper-journey counters: how often each product was seen, added to a cart and taken to checkout,
per minute. Only counts: no visitor, address or session is stored."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db


class FunnelStep(enum.StrEnum):
    PRODUCT_VIEW = "product_view"
    ADD_TO_CART = "add_to_cart"
    CHECKOUT_START = "checkout_start"


class FunnelCount(db.Model):
    """How many times `step` happened for one product in the minute starting at `minute` (UTC)."""

    __tablename__ = "funnel_counts"

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)
    step: Mapped[str] = mapped_column(String(16), primary_key=True)
    minute: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class FunnelHour(db.Model):
    """The same counts added up per hour (UTC): written in the same transaction as the minutes, so a
    festival's funnel reads an hour's row instead of sixty and always agrees with the minutes."""

    __tablename__ = "funnel_hours"

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)
    step: Mapped[str] = mapped_column(String(16), primary_key=True)
    hour: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class RolledDay(db.Model):
    """A closed day (on the clocks of `zone`) whose sales are in the roll-up tables, built at `built_at`.
    A change to an order of that day deletes the row in the same transaction, so the day is built again."""

    __tablename__ = "rollup_days"

    zone: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # YYYY-MM-DD
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)  # its midnight, in UTC
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    built_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RolledOrderSales(db.Model):
    """Placed orders of a day per charge currency, delivery country and payment method: how many, and the
    sum of their vendor orders and of those cancelled or refunded since."""

    __tablename__ = "rollup_order_sales"

    zone: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    country_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    gateway: Mapped[str] = mapped_column(String(16), primary_key=True)
    orders: Mapped[int]
    gross: Mapped[int]
    undone: Mapped[int]


class RolledStoreSales(db.Model):
    """Vendor orders of a day's placed orders per charge currency and store."""

    __tablename__ = "rollup_store_sales"

    zone: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True)
    vendor_orders: Mapped[int]
    gross: Mapped[int]
    undone: Mapped[int]


class RolledCategorySales(db.Model):
    """Order lines of a day's placed orders per charge currency and product category: units and amounts,
    and those of cancelled or refunded vendor orders."""

    __tablename__ = "rollup_category_sales"

    zone: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True)
    units: Mapped[int]
    undone_units: Mapped[int]
    gross: Mapped[int]
    undone: Mapped[int]
