"""A demo order, so a newcomer sees the shopper's order page and the vendor's work queue at once.

The demo shopper buys from the demo vendor's store and from another store through the real cart
and checkout (offline payment); the other store has already shipped its part.
"""
from __future__ import annotations

from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.catalog.models import Product, ProductStatus
from marketplace.extensions import db
from marketplace.orders.cart import add_item
from marketplace.orders.checkout import Destination, new_checkout_key, place_order
from marketplace.orders.models import FulfilmentState, Order
from marketplace.orders.states import move_vendor_order
from marketplace.vendors.models import Store, StoreStatus

DEMO_ADDRESS = Destination(recipient_name="Demo shopper", phone="+86 21 5555 0100", country_code="CN",
                           region="Shanghai", city="Shanghai", address_line="88 Century Avenue, Pudong",
                           postal_code="200120")


def seed_orders() -> int:
    """Place the demo order when the demo shopper has none; returns how many orders were added."""
    shopper = db.session.scalar(select(User).where(User.email == "shopper@example.com"))
    vendor = db.session.scalar(select(User).where(User.email == "vendor@example.com"))
    if shopper is None or vendor is None:
        return 0
    if db.session.scalar(select(Order.id).where(Order.shopper_id == shopper.id).limit(1)) is not None:
        return 0
    own = _in_stock(select(Store.id).where(Store.owner_id == vendor.id), 2)
    other = _in_stock(select(Store.id).where(Store.owner_id != vendor.id, Store.status == StoreStatus.APPROVED), 1)
    if not own or not other:
        return 0
    for product in (*own, *other):
        add_item(shopper, None, product.id, 1)
    order = place_order(shopper, DEMO_ADDRESS, new_checkout_key(), "en")
    shipped = next(vo for vo in order.vendor_orders if vo.store_id == other[0].store_id)
    move_vendor_order(shipped, FulfilmentState.PACKED, shipped.store.owner_id)
    move_vendor_order(shipped, FulfilmentState.SHIPPED, shipped.store.owner_id)
    shipped.tracking_reference = "EMS CN 2026 1128 0001"
    db.session.commit()
    return 1


def _in_stock(stores, count: int) -> list[Product]:
    return list(db.session.scalars(
        select(Product).where(Product.store_id.in_(stores), Product.status == ProductStatus.PUBLISHED,
                              Product.stock >= 5).order_by(Product.id).limit(count)
    ))
