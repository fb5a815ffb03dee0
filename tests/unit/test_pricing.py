"""The one price function: rules may only lower a price, and the lowest offer wins."""
from types import SimpleNamespace

import pytest
from flask import Flask

from marketplace.core.money import Money
from marketplace.orders.pricing import Offer, quote_price, quote_prices, register_price_rule


def product(pid: int, amount: int = 1000, currency: str = "USD"):
    return SimpleNamespace(id=pid, price=Money(amount, currency))


@pytest.fixture
def flask_app():
    app = Flask(__name__)
    with app.app_context():
        yield app


def test_without_rules_the_regular_price_is_quoted(flask_app):
    quote = quote_price(product(1))
    assert quote.price == quote.regular == Money(1000, "USD")
    assert not quote.discounted


def test_lowest_offer_wins_and_rules_see_the_whole_batch(flask_app):
    seen = []

    def half_price(products, shopper, at):
        seen.append([p.id for p in products])
        return {p.id: Offer(Money(p.price.amount // 2, "USD"), "festival") for p in products if p.id == 1}

    register_price_rule(flask_app, half_price)
    register_price_rule(flask_app, lambda products, shopper, at: {1: Offer(Money(800, "USD"), "coupon")})
    quotes = quote_prices([product(1), product(2)])
    assert seen == [[1, 2]], "one call per batch, not per product"
    assert quotes[1].price == Money(500, "USD") and quotes[1].offer.source == "festival"
    assert quotes[2].price == Money(1000, "USD") and not quotes[2].discounted


@pytest.mark.parametrize("offer", [Money(1200, "USD"), Money(1000, "USD"), Money(10, "EUR")])
def test_an_offer_that_does_not_lower_the_price_in_its_currency_is_ignored(flask_app, offer):
    register_price_rule(flask_app, lambda products, shopper, at: {1: Offer(offer, "bad rule")})
    assert quote_price(product(1)).price == Money(1000, "USD")
