"""Carts, orders (one per checkout), vendor orders (one per store), their lines and history."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core import clock
from marketplace.core.money import Money
from marketplace.core.types import DecimalText, enum_column
from marketplace.extensions import db
from marketplace.orders.holds.refs import HoldRef, HoldRefText, no_hold


class Cart(db.Model):
    """A shopper's cart (`user_id`) or a visitor's (`token`, kept in their session until log-in)."""

    __tablename__ = "carts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    token: Mapped[str | None] = mapped_column(String(43), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now, onupdate=clock.now)

    items: Mapped[list[CartItem]] = relationship(
        back_populates="cart", cascade="all, delete-orphan", order_by="CartItem.id"
    )


class CartItem(db.Model):
    """A product and quantity in a cart, with the price the shopper saw when adding it."""

    __tablename__ = "cart_items"
    __table_args__ = (
        UniqueConstraint("cart_id", "product_id"),
        CheckConstraint("quantity > 0", name="cart_quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    quantity: Mapped[int]
    seen_amount: Mapped[int]  # the price quoted when the item was added or last confirmed
    seen_currency: Mapped[str] = mapped_column(String(3))
    # The hold of the offer behind that price, if any (stored as "kind:id", "" for none).
    seen_offer: Mapped[HoldRef | None] = mapped_column(HoldRefText(40), default=no_hold, nullable=False)
    # A booking (orders/bookings.py): the dated start whose seats it takes, e.g. HoldRef("departure", 17), and
    # the seats by kind of traveller ({"adult": 2, "child": 1}); the quantity is then 1, one booking.
    booking: Mapped[HoldRef | None] = mapped_column(HoldRefText(40), default=no_hold, nullable=False)
    units: Mapped[dict] = mapped_column(JSON, default=dict)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)

    cart: Mapped[Cart] = relationship(back_populates="items")
    product = relationship("Product")

    @property
    def seen_price(self) -> Money:
        return Money(self.seen_amount, self.seen_currency)


class PaymentState(enum.StrEnum):
    PENDING = "pending"  # waiting for the gateway; units held until `reserved_until`
    PAID = "paid"
    UNPAID = "unpaid"  # offline method: confirmed now, paid on delivery
    EXPIRED = "expired"  # the reservation lapsed before payment; units returned
    FAILED = "failed"  # the gateway reported a failed payment; units returned
    REFUND_DUE = "refund_due"  # money arrived for units that were gone, or a paid order was cancelled
    REFUNDED = "refunded"
    CANCELLED = "cancelled"  # every vendor order was cancelled before payment


class FulfilmentState(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"  # offline: to be paid on delivery
    PAID = "paid"
    PACKED = "packed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


class Order(db.Model):
    """What one checkout bought: the shopper, where it goes, and what was charged in which currency."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("shopper_id", "idempotency_key"),
        Index("ix_orders_state_reserved_until", "payment_state", "reserved_until"),
        Index("ix_orders_created_at", "created_at"),  # reports read orders by the day they were placed
        CheckConstraint("total_amount >= 0", name="order_total_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)  # what the shopper quotes; not guessable
    shopper_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(5), default="en")  # the shopper's, for e-mails
    gateway: Mapped[str] = mapped_column(String(16))
    gateway_reference: Mapped[str] = mapped_column(String(255), default="", index=True)  # e.g. Checkout Session id
    payment_url: Mapped[str] = mapped_column(Text, default="")
    payment_state: Mapped[PaymentState] = mapped_column(enum_column(PaymentState), default=PaymentState.PENDING)
    currency: Mapped[str] = mapped_column(String(3))  # the charge currency
    total_amount: Mapped[int]  # minor units of `currency`
    paid_amount: Mapped[int] = mapped_column(default=0)  # what the gateway took, in `paid_currency`
    paid_currency: Mapped[str] = mapped_column(String(3), default="")  # empty: nothing taken online, or `currency`
    # Refunds asked for so far, in `paid_currency` (orders/refunds: never more than `paid_amount`).
    refunded_amount: Mapped[int] = mapped_column(default=0, server_default="0")
    reserved_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Where it goes: a postal address, or for tourism-only orders the lead traveller.
    recipient_name: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    country_code: Mapped[str] = mapped_column(String(2), default="")
    region: Mapped[str] = mapped_column(String(80), default="")
    city: Mapped[str] = mapped_column(String(80), default="")
    address_line: Mapped[str] = mapped_column(String(200), default="")
    postal_code: Mapped[str] = mapped_column(String(16), default="")
    # The same address in Latin letters for the carrier's label, when it was typed in another script.
    recipient_name_latin: Mapped[str] = mapped_column(String(120), default="")
    region_latin: Mapped[str] = mapped_column(String(80), default="")
    city_latin: Mapped[str] = mapped_column(String(80), default="")
    address_line_latin: Mapped[str] = mapped_column(String(200), default="")
    travel_date: Mapped[str] = mapped_column(String(10), default="")  # ISO date
    travellers: Mapped[int] = mapped_column(default=0)
    notes: Mapped[str] = mapped_column(Text, default="")

    shopper = relationship("User")
    vendor_orders: Mapped[list[VendorOrder]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="VendorOrder.id"
    )
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )
    events: Mapped[list[OrderEvent]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderEvent.id"
    )

    @property
    def total(self) -> Money:
        return Money(self.total_amount, self.currency)

    @property
    def is_open_reservation(self) -> bool:
        return self.payment_state == PaymentState.PENDING


class VendorOrder(db.Model):
    """One store's part of an order, which that vendor packs, ships and is paid for."""

    __tablename__ = "vendor_orders"
    __table_args__ = (
        UniqueConstraint("order_id", "store_id"),
        Index("ix_vendor_orders_store_status", "store_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    status: Mapped[FulfilmentState] = mapped_column(enum_column(FulfilmentState), default=FulfilmentState.PENDING)
    currency: Mapped[str] = mapped_column(String(3))  # the order's charge currency
    subtotal_amount: Mapped[int]
    # Refunds asked for so far (orders/refunds raises it by a conditional UPDATE, never past the subtotal).
    refunded_amount: Mapped[int] = mapped_column(default=0, server_default="0")
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    tracking_reference: Mapped[str] = mapped_column(String(80), default="")
    # The shipping chosen at checkout, locked like the line prices and included in `subtotal_amount`: later
    # edits of the store's shipping profile change nothing here (marketplace/shipping/quotes.py priced it).
    shipping_amount: Mapped[int] = mapped_column(default=0, server_default="0")  # in the charge currency
    shipping_price_amount: Mapped[int] = mapped_column(default=0, server_default="0")  # in `shipping_currency`
    shipping_currency: Mapped[str] = mapped_column(String(3), default="", server_default="")
    shipping_kind: Mapped[str] = mapped_column(String(16), default="", server_default="")  # "": nothing shipped
    shipping_method: Mapped[str] = mapped_column(String(80), default="", server_default="")  # carrier or pick-up
    shipping_tracked: Mapped[bool] = mapped_column(default=False, server_default=false())
    shipping_min_days: Mapped[int] = mapped_column(default=0, server_default="0")
    shipping_max_days: Mapped[int] = mapped_column(default=0, server_default="0")
    shipping_free_by: Mapped[str] = mapped_column(String(80), default="", server_default="")  # e.g. "festival:x"
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now, onupdate=clock.now)

    order: Mapped[Order] = relationship(back_populates="vendor_orders")
    store = relationship("Store")
    lines: Mapped[list[OrderLine]] = relationship(back_populates="vendor_order", order_by="OrderLine.id")

    @property
    def subtotal(self) -> Money:
        return Money(self.subtotal_amount, self.currency)

    @property
    def shipping(self) -> Money:
        """The locked shipping, in the charge currency (part of the subtotal)."""
        return Money(self.shipping_amount, self.currency)

    @property
    def goods(self) -> Money:
        """The subtotal without its shipping."""
        return Money(self.subtotal_amount - self.shipping_amount, self.currency)


class OrderLine(db.Model):
    """A product bought, with its price locked at checkout in its own currency and in the charge currency."""

    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="line_quantity_positive"),
        Index("ix_order_lines_booking", "booking"),  # a departure's manifest and cancellation read its lines
        Index("ix_order_lines_offer_hold", "offer_hold"),  # a festival's results read its deals' lines
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    vendor_order_id: Mapped[int] = mapped_column(ForeignKey("vendor_orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    name: Mapped[str] = mapped_column(String(160))  # in the shopper's language at checkout
    quantity: Mapped[int]
    unit_amount: Mapped[int]  # minor units of `currency`, the product's currency
    currency: Mapped[str] = mapped_column(String(3))
    regular_amount: Mapped[int]  # the regular price at checkout, to show what an offer saved
    offer_source: Mapped[str] = mapped_column(String(80), default="")  # e.g. "festival:coffee-week"
    # The units an offer holds for the line, e.g. HoldRef("deal", 12) (stored as "deal:12", "" for none).
    offer_hold: Mapped[HoldRef | None] = mapped_column(HoldRefText(80), default=no_hold, nullable=False)
    charge_unit_amount: Mapped[int]  # minor units of the order's currency
    rate: Mapped[Decimal] = mapped_column(DecimalText)  # charge currency per unit of `currency`
    is_tourism: Mapped[bool] = mapped_column(default=False)
    # A booking (orders/bookings.py): quantity 1 at the booking's whole price, the seats it holds on `booking`,
    # the units as priced ({"adult": {"count": 2, "amount": 12000}}) and when and for whom, as the shopper read it.
    booking: Mapped[HoldRef | None] = mapped_column(HoldRefText(80), default=no_hold, nullable=False)
    seats: Mapped[int] = mapped_column(default=0)
    units: Mapped[dict] = mapped_column(JSON, default=dict)
    detail: Mapped[str] = mapped_column(String(200), default="")
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # a booking given up alone

    order: Mapped[Order] = relationship(back_populates="lines")
    vendor_order: Mapped[VendorOrder] = relationship(back_populates="lines")
    product = relationship("Product")
    travellers: Mapped[list[Traveller]] = relationship(
        back_populates="line", cascade="all, delete-orphan", order_by="Traveller.position"
    )

    @property
    def unit_price(self) -> Money:
        return Money(self.unit_amount, self.currency)

    @property
    def line_total(self) -> Money:
        return Money(self.unit_amount * self.quantity, self.currency)

    @property
    def charge_total(self) -> Money:
        return Money(self.charge_unit_amount * self.quantity, self.order.currency)


class Traveller(db.Model):
    """One person a booking line seats: a name as on their travel document (never the document's number),
    and optionally their nationality and what the operator should know (diet, access)."""

    __tablename__ = "order_travellers"
    __table_args__ = (UniqueConstraint("line_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]  # 1 for the first seat of the line
    unit: Mapped[str] = mapped_column(String(16))  # the kind of traveller: "adult", "child" …
    name: Mapped[str] = mapped_column(String(120))
    nationality: Mapped[str] = mapped_column(String(2), default="")  # ISO 3166 alpha-2, or ""
    notes: Mapped[str] = mapped_column(String(300), default="")
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    line: Mapped[OrderLine] = relationship(back_populates="travellers")


class OrderEvent(db.Model):
    """One change of an order or vendor order: who (None: the system or the gateway), what, when."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    vendor_order_id: Mapped[int | None] = mapped_column(ForeignKey("vendor_orders.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    from_state: Mapped[str] = mapped_column(String(24), default="")
    to_state: Mapped[str] = mapped_column(String(24))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)

    order: Mapped[Order] = relationship(back_populates="events")
    vendor_order = relationship("VendorOrder")  # None for a change of the whole order
    actor = relationship("User")


class PaymentEvent(db.Model):
    """A gateway event already applied: its id is unique, so a replayed event changes nothing."""

    __tablename__ = "payment_events"
    __table_args__ = (UniqueConstraint("gateway", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    gateway: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(80))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"), index=True)
    outcome: Mapped[str] = mapped_column(String(80), default="")
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
