"""Order fixtures: a shopper with a cart, a destination, and a way to fill the cart."""
from __future__ import annotations

import pytest

from marketplace.accounts.models import Role
from marketplace.orders import cart as carts
from marketplace.orders.checkout import Destination, new_checkout_key

ADDRESS = dict(recipient_name="Li Wei", phone="+86 138 0013 8000", country_code="CN", city="Shanghai",
               address_line="88 Century Avenue, Pudong", postal_code="200120")


@pytest.fixture
def shopper(make_user):
    return make_user(role=Role.SHOPPER)


@pytest.fixture
def destination() -> Destination:
    return Destination(**ADDRESS)


@pytest.fixture
def fill_cart(app):
    """Put `quantity` of each product into the shopper's cart."""

    def fill(shopper, *products, quantity: int = 1) -> None:
        for product in products:
            carts.add_item(shopper, None, product.id, quantity)

    return fill


@pytest.fixture
def checkout_key():
    return new_checkout_key
