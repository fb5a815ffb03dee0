"""Honest limits and kept input: the cart holds a deal line to what the shopper may still buy and says why,
a deal price that no longer applies is shown before checkout with its reason, checkout never changes a
price without saying so, and a refused checkout keeps everything the shopper typed."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from campaigns.festivals.models import DealPurchase
from campaigns.festivals.reservations import reserve_deal_units
from marketplace.catalog.models import Product
from marketplace.core import clock
from marketplace.extensions import db
from marketplace.orders.cart import find_cart, price_cart
from marketplace.orders.models import CartItem, Order, OrderLine
from tests.festivals.conftest import WAVE1
from tests.orders.conftest import ADDRESS

LIVE = WAVE1[0] + timedelta(hours=1)
AFTER = WAVE1[1] + timedelta(minutes=5)
TYPED = {**ADDRESS, "region": "上海市", "region_latin": "Shanghai Shi", "notes": "请放在门卫处", "email": "li.wei@example.com"}


@pytest.fixture
def deal(make_festival, make_deal):
    """A live deal at $7.00 (regular $10.00), at most 2 per shopper, 10 units."""
    return make_deal(make_festival(), price=700, cap=10, limit=2)


def add(client, product_id: int, quantity: int) -> None:
    client.post("/en/cart/items", data={"product_id": product_id, "quantity": str(quantity)})


def checkout_form(client) -> dict:
    page = client.get("/en/checkout").get_data(as_text=True)
    key = re.search(r'name="key" type="hidden" value="([^"]+)"', page).group(1)
    total = re.search(r'name="expected_total" type="hidden" value="([^"]+)"', page).group(1)
    return {"key": key, "expected_total": total, **TYPED}


def assert_typed_input_kept(typed: dict, page: str) -> None:
    for name in ("recipient_name", "phone", "city", "address_line", "postal_code", "region", "email"):
        assert f'value="{typed[name]}"' in page, name
    assert typed["notes"] in page
    assert re.search(r'<option selected value="CN">|<option value="CN" selected>', page)


def test_a_deal_line_is_clamped_to_what_the_shopper_may_still_buy(client, login, shopper, deal):
    login(shopper)
    with clock.freeze(LIVE):
        slug = db.session.get(Product, deal.product_id).slug
        assert "Limited to 2 per shopper." in client.get(f"/en/products/{slug}").get_data(as_text=True)
        reserve_deal_units(deal.id, shopper.id, 1, LIVE)  # bought one in an earlier order
        product_page = client.get(f"/en/products/{slug}").get_data(as_text=True)
        assert "Limited to 2 per shopper — you already bought 1." in product_page
        add(client, deal.product_id, 3)
        assert db.session.scalar(select(CartItem.quantity)) == 1
        page = client.get("/en/cart").get_data(as_text=True)
        assert "Limited to 2 per shopper — you already bought 1." in page
        assert re.search(rf'id="qty-{deal.product_id}"[^>]*max="1" value="1"', page)


def test_a_line_the_cart_holds_above_the_limit_is_priced_and_bought_at_the_allowed_quantity(
        client, login, shopper, deal):
    with clock.freeze(LIVE):
        add(client, deal.product_id, 3)  # as a visitor: held to the limit of 2
        assert db.session.scalar(select(CartItem.quantity)) == 2
        login(shopper)
        reserve_deal_units(deal.id, shopper.id, 1, LIVE)
        priced = price_cart(find_cart(shopper, None), shopper, "en", at=LIVE)
        line = priced.lines[0]
        assert (line.wanted, line.quantity, priced.total.amount) == (2, 1, 700)
        assert line.limit_note == "Limited to 2 per shopper — you already bought 1."
        page = client.get("/en/cart").get_data(as_text=True)
        assert "Quantity lowered from 2 to 1." in page and "Limited to 2 per shopper" in page
        checkout = client.get("/en/checkout").get_data(as_text=True)
        assert "Quantity lowered from 2 to 1." in checkout
        client.post("/en/checkout", data=checkout_form(client))
    line = db.session.scalars(select(OrderLine)).one()
    assert (line.quantity, line.unit_amount) == (1, 700)
    assert db.session.scalar(select(DealPurchase.quantity)) == 2


def test_a_deal_price_that_ended_is_shown_at_the_new_price_before_the_checkout_button(client, login, shopper,
                                                                                       deal):
    login(shopper)
    with clock.freeze(LIVE):
        add(client, deal.product_id, 1)
        assert "$7.00" in client.get("/en/cart").get_data(as_text=True)
    with clock.freeze(AFTER):
        page = client.get("/en/cart").get_data(as_text=True)
    reason = page.index("The festival price has ended.")
    assert "Was $7.00 when you added it." in page and "$10.00" in page
    assert reason < page.index(">Check out<")


def test_a_used_up_limit_is_given_as_the_reason_for_the_regular_price(client, login, shopper, deal):
    login(shopper)
    with clock.freeze(LIVE):
        add(client, deal.product_id, 1)
        reserve_deal_units(deal.id, shopper.id, 2, LIVE)  # another tab's order took both
        page = client.get("/en/cart").get_data(as_text=True)
    assert "Limited to 2 per shopper — you already bought 2." in page
    assert page.index("Was $7.00 when you added it.") < page.index(">Check out<")


def test_checkout_says_when_the_total_changed_and_asks_to_confirm(client, login, shopper, deal):
    login(shopper)
    with clock.freeze(LIVE):
        add(client, deal.product_id, 2)
        form = checkout_form(client)
    with clock.freeze(AFTER):
        response = client.post("/en/checkout", data=form)
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and db.session.scalar(select(func.count()).select_from(Order)) == 0
        assert "Prices changed since you opened this page." in page
        assert "The total to pay was $14.00 and is now $20.00." in page
        assert "The festival price has ended." in page
        assert_typed_input_kept(TYPED, page)
        confirmed = re.search(r'name="expected_total" type="hidden" value="([^"]+)"', page).group(1)
        key = re.search(r'name="key" type="hidden" value="([^"]+)"', page).group(1)
        assert confirmed == "2000:USD" and key != form["key"]
        placed = client.post("/en/checkout", data={**form, "key": key, "expected_total": confirmed})
    order = db.session.scalars(select(Order)).one()
    assert placed.headers["Location"].endswith(order.reference) and order.total_amount == 2000


@pytest.mark.parametrize("refusal", ["sold out", "bad field"])
def test_a_refused_checkout_keeps_everything_the_shopper_typed(client, login, shopper, make_product, refusal):
    product = make_product(price=1000, stock=3)
    login(shopper)
    add(client, product.id, 2)
    form = checkout_form(client)
    if refusal == "sold out":
        db.session.get(Product, product.id).stock = 1
        db.session.commit()
        expected = "Some items cannot be bought as they are."
    else:
        form["address_line"] = ""
        expected = "Enter the street address, building or P.O. box."
    response = client.post("/en/checkout", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and expected in page
    if refusal == "sold out":
        assert "Only 1 left in stock." in page
    assert_typed_input_kept({**TYPED, "address_line": ""} if refusal == "bad field" else TYPED, page)
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_deal_cards_show_the_shoppers_display_currency_like_every_other_price(client, deal):
    from campaigns.festivals.models import Festival
    from marketplace.catalog.services import set_exchange_rate

    slug = db.session.get(Festival, deal.festival_id).slug
    with clock.freeze(LIVE):
        plain = client.get(f"/zh/festivals/{slug}").get_data(as_text=True)
        assert "$7.00" in plain and "≈" not in plain.split('class="card deal', 1)[1]  # no rate: the seller's
        set_exchange_rate("USD", "CNY", "7.1")
        zh = client.get(f"/zh/festivals/{slug}").get_data(as_text=True)
        card = zh.split('class="card deal', 1)[1].split("</li>", 1)[0]
        assert "≈ ¥49.70" in card and "≈ ¥71.00" in card and "$" not in card  # festival and regular price
        fr = client.get(f"/fr/festivals/{slug}").get_data(as_text=True)
        assert "7,00\u00a0$US" in fr.split('class="card deal', 1)[1].split("</li>", 1)[0]  # French readers keep dollars
