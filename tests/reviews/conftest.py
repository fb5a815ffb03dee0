"""Review fixtures: shoppers with orders placed for pay on delivery, moved to any state of fulfilment."""
from __future__ import annotations

import pytest

from marketplace.accounts.models import Role
from marketplace.orders import cart as carts
from marketplace.orders.checkout import Destination, new_checkout_key, place_order
from marketplace.orders.models import FulfilmentState, Order
from marketplace.reviews.services import ReviewInput
from tests.orders.conftest import ADDRESS
from tests.orders.fulfilment_helpers import put_in_state


@pytest.fixture
def shopper(make_user):
    return make_user(role=Role.SHOPPER, display_name="Li Wei")


@pytest.fixture
def staff(make_user):
    return make_user(role=Role.STAFF)


@pytest.fixture
def bought(app, shopper):
    """Place an order of `product` for `buyer` (the shopper by default) and put its part in `state`."""

    def buy(product, buyer=None, state: FulfilmentState = FulfilmentState.DELIVERED) -> Order:
        buyer = buyer or shopper
        carts.add_item(buyer, None, product.id, 1)
        order = place_order(buyer, Destination(**ADDRESS), new_checkout_key(), "en")
        put_in_state(order.vendor_orders[0], state)
        return order

    return buy


def review_input(rating=5, language="en", body="Lovely shea butter.", translations=None, photos=()) -> ReviewInput:
    return ReviewInput(rating=rating, language=language, body=body, translations=translations or {}, photos=photos)
