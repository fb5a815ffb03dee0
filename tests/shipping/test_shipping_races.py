"""The checkout races hold with shipping lines: stock is never oversold, one cart makes one order, and every
order placed carries exactly the shipping it was priced with, on SQLite and PostgreSQL."""
from __future__ import annotations

from sqlalchemy import select

from marketplace.core.errors import ValidationError
from marketplace.extensions import db
from marketplace.orders import checkout
from marketplace.orders.models import CartItem, Order, VendorOrder
from tests.concurrency import run_at_once
from tests.orders.test_checkout_races import POOL, checkout_as, count, fill_carts, make_shoppers, stock


def test_120_buyers_for_30_units_with_shipping_get_30_orders_each_with_its_shipping(
        app, make_app, make_store, make_product, china_profile):
    store = make_store()
    china_profile(store)
    product = make_product(store=store, price=1500, stock=30, weight_grams=300)
    shoppers = make_shoppers(120)
    fill_carts(shoppers, product)

    outcomes = run_at_once(make_app(**POOL), [checkout_as(s) for s in shoppers])

    assert not outcomes.unexpected(checkout.SoldOut), outcomes.unexpected(checkout.SoldOut)
    assert outcomes.kinds == {"ok": 30, "SoldOut": 90}
    assert stock(product.id) == 0 and count(Order) == 30
    parts = db.session.scalars(select(VendorOrder)).all()
    assert {(p.shipping_method, p.shipping_amount, p.subtotal_amount) for p in parts} == {("China Post", 900, 2400)}
    assert {o.total_amount for o in db.session.scalars(select(Order))} == {2400}


def test_one_cart_with_shipping_checked_out_ten_times_at_once_becomes_one_order(
        app, make_app, make_store, make_product, china_profile, shopper, fill_cart):
    store = make_store()
    china_profile(store)
    product = make_product(store=store, price=1500, stock=10, weight_grams=300)
    fill_cart(shopper, product, quantity=2)

    outcomes = run_at_once(make_app(**POOL), [checkout_as(shopper.id)] * 10)

    assert not outcomes.unexpected(ValidationError), outcomes.unexpected(ValidationError)
    assert outcomes.kinds["ok"] >= 1 and count(Order) == 1 and count(CartItem) == 0
    assert len(set(outcomes.results)) == 1
    part = db.session.scalars(select(VendorOrder)).one()
    assert (part.shipping_method, part.shipping_amount, part.subtotal_amount) == ("China Post", 900, 3900)
    assert stock(product.id) == 8
