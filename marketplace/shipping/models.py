"""Shipping profiles (a store's zones of destination countries and the methods it ships each by) and the
staff's duties notes per destination country."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core import clock
from marketplace.core.money import Money
from marketplace.core.types import enum_column
from marketplace.extensions import db


class ShippingZone(db.Model):
    """A group of destination countries a store ships to the same way ("China", "ECOWAS"), or the rest
    of the world (every country no other zone of the store names)."""

    __tablename__ = "shipping_zones"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    countries: Mapped[str] = mapped_column(Text, default="")  # ISO 3166 alpha-2 codes, space-separated
    rest_of_world: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)

    methods: Mapped[list[ShippingMethod]] = relationship(
        back_populates="zone", cascade="all, delete-orphan", order_by="ShippingMethod.id"
    )

    @property
    def country_codes(self) -> list[str]:
        return self.countries.split() if self.countries else []

    def serves(self, country_code: str) -> bool:
        """Whether this zone names `country_code` (a rest-of-the-world zone names none)."""
        return country_code in self.country_codes


class MethodKind(enum.StrEnum):
    CARRIER = "carrier"  # sent by a carrier or the post
    PICKUP = "pickup"  # collected by the shopper at a pick-up point or the shop


class ShippingMethod(db.Model):
    """One way a zone's orders travel: a carrier (tracked or not) or a pick-up point, priced flat or by
    weight band, free from a threshold of goods, and delivered within min–max working days."""

    __tablename__ = "shipping_methods"
    __table_args__ = (
        CheckConstraint("flat_amount IS NULL OR flat_amount >= 0", name="shipping_flat_not_negative"),
        CheckConstraint("free_over_amount IS NULL OR free_over_amount >= 0", name="shipping_free_over_not_negative"),
        CheckConstraint("min_days >= 0 AND max_days >= min_days", name="shipping_days_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("shipping_zones.id", ondelete="CASCADE"), index=True)
    kind: Mapped[MethodKind] = mapped_column(enum_column(MethodKind), default=MethodKind.CARRIER)
    carrier: Mapped[str] = mapped_column(String(80), default="")  # or where the pick-up point is
    tracked: Mapped[bool] = mapped_column(default=False)
    currency: Mapped[str] = mapped_column(String(3))
    flat_amount: Mapped[int | None]  # minor units; None: priced by `weight_bands`
    # [[up to grams, minor units], …] in rising order, from 0 g without a gap: a parcel costs its band's price.
    weight_bands: Mapped[list] = mapped_column(JSON, default=list)
    free_over_amount: Mapped[int | None]  # goods worth at least this ship free; None: never free
    min_days: Mapped[int] = mapped_column(default=1)  # working days
    max_days: Mapped[int] = mapped_column(default=1)

    zone: Mapped[ShippingZone] = relationship(back_populates="methods")

    @property
    def by_weight(self) -> bool:
        return self.flat_amount is None

    @property
    def flat_price(self) -> Money | None:
        return None if self.flat_amount is None else Money(self.flat_amount, self.currency)

    @property
    def free_over(self) -> Money | None:
        return None if self.free_over_amount is None else Money(self.free_over_amount, self.currency)

    @property
    def bands(self) -> list[tuple[int, Money]]:
        """The weight bands as (up to grams, price)."""
        return [(int(up_to), Money(int(amount), self.currency)) for up_to, amount in self.weight_bands or []]


class DutyPayer(enum.StrEnum):
    SHOPPER = "shopper"  # duties and import taxes, if any, are the shopper's (usually on delivery)
    SELLER = "seller"  # prices include them: the seller pays (delivered duty paid)


class DutyNote(db.Model):
    """What staff tell shoppers in one destination country about import duties and taxes on cross-border
    orders: who pays, and a note per language (e.g. China's cross-border e-commerce allowance)."""

    __tablename__ = "duty_notes"

    country_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    payer: Mapped[DutyPayer] = mapped_column(enum_column(DutyPayer), default=DutyPayer.SHOPPER)
    texts: Mapped[dict] = mapped_column(JSON, default=dict)  # {language: note}
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now, onupdate=clock.now)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
