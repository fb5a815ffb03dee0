"""Fixtures for the fulfilment tests (a pytest plugin): an outbox, staff, placing pay-on-delivery orders."""
from __future__ import annotations

import pytest

from marketplace.accounts.models import Role
from marketplace.mail import get_mailer
from marketplace.orders.checkout import place_order
from marketplace.orders.models import Order


@pytest.fixture
def outbox(app):
    mailer = get_mailer()
    mailer.outbox.clear()
    return mailer.outbox


@pytest.fixture
def staff(make_user):
    return make_user(role=Role.STAFF, display_name="Amina (staff)")


@pytest.fixture
def place(shopper, fill_cart, destination, checkout_key, outbox):
    """Place a pay-on-delivery order of `quantity` of each product; the outbox starts empty after it."""

    def make(*products, quantity: int = 1, language: str = "en", buyer=None) -> Order:
        buyer = buyer or shopper
        fill_cart(buyer, *products, quantity=quantity)
        order = place_order(buyer, destination, checkout_key(), language)
        outbox.clear()
        return order

    return make
