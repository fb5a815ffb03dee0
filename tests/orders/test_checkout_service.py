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


def test_lines_in_vendor_currencies_are_charged_in_the_charge_currency_at_the_stored_rate(
        app, shopper, make_product, make_store, fill_cart, destination, checkout_key, monkeypatch):
    from decimal import Decimal

    from marketplace.catalog.services import set_exchange_rate

    set_exchange_rate("USD", "GHS", "12.5")
    set_exchange_rate("USD", "XOF", "600")
    cedi = make_product(store=make_store(country_code="GH"), price=12500, currency="GHS", stock=5)  # GH₵125.00
    cfa = make_product(store=make_store(country_code="SN"), price=3000, currency="XOF", stock=5)  # 3,000 F CFA
    fill_cart(shopper, cedi, quantity=2)
    fill_cart(shopper, cfa)
    order = place_order(shopper, destination, checkout_key(), "en")
    lines = {line.currency: line for line in order.lines}
    assert (lines["GHS"].charge_unit_amount, lines["GHS"].rate) == (1000, Decimal(1) / Decimal("12.5"))
    assert lines["XOF"].charge_unit_amount == 500  # $5.00
    assert order.total == Money(2 * 1000 + 500, "USD")
    assert sorted(vo.subtotal_amount for vo in order.vendor_orders) == [500, 2000]

    monkeypatch.setitem(app.config, "CHARGE_CURRENCY", "XOF")  # a zero-decimal charge currency
    fill_cart(shopper, cedi)
    order = place_order(shopper, destination, checkout_key(), "en")
    assert order.total == Money(6000, "XOF")  # GH₵125.00 = $10.00 = 6,000 F CFA, whole units


def test_a_product_without_a_rate_to_the_charge_currency_is_not_sold(
        app, shopper, make_product, fill_cart, destination, checkout_key):
    product = make_product(price=5000, currency="ETB", stock=5)
    fill_cart(shopper, product)
    with pytest.raises(SoldOut) as refused:
        place_order(shopper, destination, checkout_key(), "en")
    assert "cannot be paid for in USD yet" in refused.value.lines[0]["problem"]
    assert db.session.get(Product, product.id).stock == 5
