"""Helpers for the fulfilment tests: find a store's part, put it in a state, and snapshot what must not change."""
from __future__ import annotations

from sqlalchemy import func, select

from marketplace.catalog.models import Product
from marketplace.core import clock
from marketplace.extensions import db
from marketplace.orders.models import FulfilmentState, Order, OrderEvent, VendorOrder
from marketplace.vendors.models import PayableEntry


def part_of(order: Order, store) -> VendorOrder:
    return next(part for part in order.vendor_orders if part.store_id == store.id)


def snapshot(vendor_order_id: int) -> tuple:
    """What a refused change must leave untouched: the part, its history, the ledger and the stock."""
    db.session.expire_all()
    part = db.session.get(VendorOrder, vendor_order_id)
    return (part.status, part.paid_at, part.tracking_reference, part.order.payment_state,
            db.session.scalar(select(func.count()).select_from(OrderEvent)),
            db.session.scalar(select(func.count()).select_from(PayableEntry)),
            tuple(db.session.scalars(select(Product.stock).order_by(Product.id))))


def put_in_state(vendor_order: VendorOrder, status: FulfilmentState, paid: bool = False) -> None:
    """Test set-up only: place a vendor order in any state without going through the moves."""
    vendor_order.status = status
    if paid:
        vendor_order.paid_at = clock.now()
    db.session.commit()
