"""A refund of part or all of what a shopper paid, and the states it goes through."""
from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from marketplace.core import clock
from marketplace.core.money import Money
from marketplace.core.types import enum_column
from marketplace.extensions import db


class RefundState(enum.StrEnum):
    REQUESTED = "requested"  # recorded; the gateway has not taken it yet (not asked, or unreachable): retried
    PENDING = "pending"  # the gateway took it; the money is on its way
    TO_PAY_OUT = "to_pay_out"  # pay on delivery: staff pay it back in cash or by mobile money
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # refused or bounced: no money went back; staff retry it


# Forward moves only: a late or replayed gateway answer never takes a refund back a step.
REFUND_MOVES: dict[RefundState, frozenset[RefundState]] = {
    RefundState.REQUESTED: frozenset({RefundState.PENDING, RefundState.TO_PAY_OUT, RefundState.SUCCEEDED,
                                      RefundState.FAILED}),
    RefundState.PENDING: frozenset({RefundState.SUCCEEDED, RefundState.FAILED}),
    RefundState.TO_PAY_OUT: frozenset({RefundState.SUCCEEDED}),
    RefundState.FAILED: frozenset({RefundState.REQUESTED}),  # a retry by staff
    RefundState.SUCCEEDED: frozenset(),
}
# Money sent, or on its way: the shopper has been told.
SENT_STATES = frozenset({RefundState.PENDING, RefundState.TO_PAY_OUT, RefundState.SUCCEEDED})

REFUND_LABELS = {
    RefundState.REQUESTED: _l("Waiting to be sent"),
    RefundState.PENDING: _l("On its way"),
    RefundState.TO_PAY_OUT: _l("To be paid back in cash or by mobile money"),
    RefundState.SUCCEEDED: _l("Refunded"),
    RefundState.FAILED: _l("Failed"),
}


class Refund(db.Model):
    """Money going back to a shopper for one vendor order (or, with no vendor order, for the whole order)."""

    __tablename__ = "refunds"
    __table_args__ = (
        CheckConstraint("amount > 0", name="refund_amount_positive"),
        Index("ix_refunds_state", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    vendor_order_id: Mapped[int | None] = mapped_column(ForeignKey("vendor_orders.id", ondelete="CASCADE"),
                                                        index=True)
    amount: Mapped[int]  # minor units of `currency`, the currency the payment was taken in
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[RefundState] = mapped_column(enum_column(RefundState), default=RefundState.REQUESTED)
    gateway: Mapped[str] = mapped_column(String(16))
    payment_reference: Mapped[str] = mapped_column(String(255), default="")  # the order's gateway reference
    gateway_payment_id: Mapped[str] = mapped_column(String(255), default="", index=True)  # e.g. PaymentIntent
    gateway_refund_id: Mapped[str] = mapped_column(String(255), default="", index=True)
    # One key per attempt: the same on every retry of a refund the gateway never answered, so it can never
    # be paid twice; a new one only after the gateway said the attempt failed (no money moved).
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the system
    paid_out_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    payout_reference: Mapped[str] = mapped_column(String(120), default="")
    shopper_told: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now, onupdate=clock.now)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # `order.refunds`, oldest first, for the order pages (the orders package does not know this one).
    order = relationship("Order", backref=backref("refunds", order_by="Refund.id", passive_deletes=True))
    vendor_order = relationship("VendorOrder")
    requested_by = relationship("User", foreign_keys=[requested_by_id])

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)

    @property
    def label(self) -> str:
        return str(REFUND_LABELS[self.state])
