"""Placing orders through the service: reservations, locked prices, idempotency, what is refused."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from marketplace.catalog.models import Product
from marketplace.core.errors import ValidationError
from marketplace.core.money import Money
from marketplace.extensions import db
from marketplace.orders.checkout import Destination, PricesChanged, SoldOut, place_order
from marketplace.orders.models import CartItem, FulfilmentState, Order, PaymentState


def test_an_offline_order_reserves_stock_locks_prices_and_splits_by_vendor(
        app, shopper, make_product, make_store, fill_cart, destination, checkout_key):
    first, second = make_store(name="Accra Beans"), make_store(name="Nairobi Leaf", country_code="KE")
    coffee = make_product(store=first, price=1250, stock=5)
    tea = make_product(store=second, price=800, stock=3)
    fill_cart(shopper, coffee, quantity=2)
    fill_cart(shopper, tea)
    order = place_order(shopper, destination, checkout_key(), "en")
    assert order.payment_state == PaymentState.UNPAID
    assert order.total == Money(2 * 1250 + 800, "USD")
    assert sorted(vo.store.name for vo in order.vendor_orders) == ["Accra Beans", "Nairobi Leaf"]
    assert {vo.status for vo in order.vendor_orders} == {FulfilmentState.CONFIRMED}
    assert [(line.quantity, line.unit_amount) for line in order.lines] == [(2, 1250), (1, 800)]
    db.session.expire_all()
    assert db.session.get(Product, coffee.id).stock == 3
    assert db.session.get(Product, tea.id).stock == 2
    assert db.session.scalar(select(func.count()).select_from(CartItem)) == 0


def test_the_same_checkout_key_makes_one_order(app, shopper, make_product, fill_cart, destination, checkout_key):
    product = make_product(stock=5)
    fill_cart(shopper, product)
    key = checkout_key()
    first = place_order(shopper, destination, key, "en")
    again = place_order(shopper, destination, key, "en")
    assert again.id == first.id
    assert db.session.scalar(select(func.count()).select_from(Order)) == 1
    assert db.session.get(Product, product.id).stock == 4


def test_a_sold_out_line_is_named_and_nothing_is_reserved(
        app, shopper, make_product, fill_cart, destination, checkout_key):
    plenty, scarce = make_product(stock=5), make_product(stock=2)
    fill_cart(shopper, plenty, quantity=1)
    fill_cart(shopper, scarce, quantity=2)
    Product.query.filter_by(id=scarce.id).update({"stock": 1})
    db.session.commit()
    with pytest.raises(SoldOut) as refused:
        place_order(shopper, destination, checkout_key(), "en")
    assert [line["product_id"] for line in refused.value.lines] == [scarce.id]
    db.session.expire_all()
    assert db.session.get(Product, plenty.id).stock == 5
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_a_total_the_shopper_did_not_see_is_refused(app, shopper, make_product, fill_cart, destination, checkout_key):
    product = make_product(price=1000, stock=5)
    fill_cart(shopper, product)
    with pytest.raises(PricesChanged):
        place_order(shopper, destination, checkout_key(), "en", expected_total=Money(1, "USD"))
    assert db.session.get(Product, product.id).stock == 5


def test_an_empty_cart_and_a_bad_address_are_refused(app, shopper, make_product, fill_cart, checkout_key):
    with pytest.raises(ValidationError, match="empty"):
        place_order(shopper, Destination(), checkout_key(), "en")
    fill_cart(shopper, make_product())
    with pytest.raises(ValidationError) as refused:
        place_order(shopper, Destination(recipient_name="Ama", phone="abc", country_code="XX"), checkout_key(), "en")
    assert {"phone", "country_code", "city", "address_line"} <= set(refused.value.fields)
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0
