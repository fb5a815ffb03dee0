"""Stripe's return URLs come from SITE_URL, never from the Host header a request was sent with."""
from __future__ import annotations

import re

import pytest

from marketplace.orders.models import Order
from tests.factories import PASSWORD
from tests.orders.conftest import ADDRESS


@pytest.fixture
def site_url(stripe_app):
    saved = stripe_app.config.get("SITE_URL")
    stripe_app.config["SITE_URL"] = "https://shop.example.org"
    yield "https://shop.example.org"
    stripe_app.config["SITE_URL"] = saved


def test_checkout_sends_stripe_return_urls_on_the_configured_site(
        stripe_app, site_url, fake_stripe, client, shopper, make_product, fill_cart):
    fill_cart(shopper, make_product(name="Shea butter", price=900, stock=4), quantity=1)
    forged = {"Host": "attacker.example"}  # every request of this visit names another host
    response = client.post("/fr/account/login", data={"email": shopper.email, "password": PASSWORD}, headers=forged)
    assert response.status_code == 302
    page = client.get("/fr/checkout", headers=forged).get_data(as_text=True)
    assert "attacker.example" not in page
    form = {name: re.search(rf'name="{name}" type="hidden" value="([^"]+)"', page).group(1)
            for name in ("key", "expected_total")}
    response = client.post("/fr/checkout", data={**form, **ADDRESS}, headers=forged)
    assert response.status_code == 302
    order = Order.query.one()
    sent = fake_stripe.created()[-1].form
    assert sent["success_url"] == f"https://shop.example.org/fr/orders/{order.reference}?paid=1"
    assert sent["cancel_url"] == f"https://shop.example.org/fr/orders/{order.reference}"
