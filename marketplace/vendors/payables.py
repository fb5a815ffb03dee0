"""The vendor payables ledger: what the campaign owes each store, as signed entries and nothing else.

A paid vendor order posts one sale entry (its subtotal less the campaign's commission); a refund or
a cancellation after payment posts one reversal of the same amounts. A unique constraint on
(vendor order, kind) makes posting idempotent, so a replayed payment event cannot pay a store twice.
Balances, exports and settlements are sums over these entries.
"""
from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from flask import current_app
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.orders.models import VendorOrder
from marketplace.vendors.models import PayableEntry, PayableKind


def commission_rate() -> Decimal:
    """The configured commission (`COMMISSION_RATE`, a fraction from 0 to 1); ValueError when it is not one."""
    try:
        rate = Decimal(str(current_app.config.get("COMMISSION_RATE", "0")))
    except InvalidOperation as exc:
        raise ValueError("COMMISSION_RATE must be a number from 0 to 1") from exc
    if not rate.is_finite() or not 0 <= rate <= 1:
        raise ValueError("COMMISSION_RATE must be a number from 0 to 1")
    return rate


def _entry(vendor_order: VendorOrder, kind: PayableKind) -> PayableEntry | None:
    return db.session.scalars(
        select(PayableEntry).where(PayableEntry.vendor_order_id == vendor_order.id, PayableEntry.kind == kind)
    ).first()


def post_sale(vendor_order: VendorOrder) -> PayableEntry:
    """Owe the store its paid vendor order less commission (in the caller's transaction); once only."""
    existing = _entry(vendor_order, PayableKind.SALE)
    if existing is not None:
        return existing
    rate = commission_rate()
    gross = vendor_order.subtotal_amount
    commission = int((Decimal(gross) * rate).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
    entry = PayableEntry(store_id=vendor_order.store_id, vendor_order_id=vendor_order.id, kind=PayableKind.SALE,
                         currency=vendor_order.currency, gross_amount=gross, commission_amount=commission,
                         amount=gross - commission, commission_rate=rate)
    db.session.add(entry)
    return entry


def post_reversal(vendor_order: VendorOrder) -> PayableEntry | None:
    """Reverse the vendor order's sale entry (a refund or a cancellation after payment); None when
    nothing was owed for it. Once only."""
    sale = _entry(vendor_order, PayableKind.SALE)
    if sale is None:
        return None
    existing = _entry(vendor_order, PayableKind.REVERSAL)
    if existing is not None:
        return existing
    entry = PayableEntry(store_id=sale.store_id, vendor_order_id=vendor_order.id, kind=PayableKind.REVERSAL,
                         currency=sale.currency, gross_amount=-sale.gross_amount,
                         commission_amount=-sale.commission_amount, amount=-sale.amount,
                         commission_rate=sale.commission_rate)
    db.session.add(entry)
    return entry
