"""One currency story on the pages: the display currency a shopper gets, amounts that agree from the
product page to the order, and the charged currency stated once, in the same words, on every page."""
from __future__ import annotations

import re

from sqlalchemy import select

from marketplace.catalog.services import set_exchange_rate
from marketplace.extensions import db
from marketplace.orders.models import Order
from tests.orders.conftest import ADDRESS

CHARGE_NOTE = re.compile(r'<p class="note charge-note">(.*?)</p>', re.S)


def rates() -> None:
    set_exchange_rate("USD", "MAD", "9.2")
    set_exchange_rate("USD", "CNY", "7.1")


def main(html: str) -> str:
    """The page without its header (whose currency menu names every currency)."""
    return html.split('<main id="main">', 1)[1]


def price_block(html: str) -> str:
    return re.search(r'<p class="price">(.*?)</p>', html, re.S).group(1)


def test_a_chinese_shopper_sees_yuan_by_default_and_may_choose_the_sellers_currency(client, make_product):
    box = make_product(name="Thuya box", price=88800, currency="MAD")
    assert "MAD" in price_block(client.get(f"/zh/products/{box.slug}").get_data(as_text=True))  # no rate yet
    rates()
    zh = price_block(client.get(f"/zh/products/{box.slug}").get_data(as_text=True))
    assert "≈ ¥685.29" in zh and "MAD" not in zh
    client.post("/zh/display-currency", data={"currency": "", "next": "/zh/"})
    assert "MAD" in price_block(client.get(f"/zh/products/{box.slug}").get_data(as_text=True))
    client.post("/zh/display-currency", data={"currency": "CNY", "next": "/zh/"})
    assert "≈ ¥685.29" in price_block(client.get(f"/zh/products/{box.slug}").get_data(as_text=True))


def test_a_french_shopper_keeps_the_sellers_currency(client, make_product):
    rates()
    box = make_product(name="Thuya box", price=88800, currency="MAD")
    html = client.get(f"/fr/products/{box.slug}").get_data(as_text=True)
    assert "888,00\u00a0MAD" in price_block(html) and 'class="approx' not in html
    selector = re.search(r'<select id="display-currency".*?</select>', html, re.S).group(0)
    assert " selected" not in selector  # the first option, the seller's currency
    zh_selector = re.search(r'<select id="display-currency".*?</select>',
                            client.get(f"/zh/products/{box.slug}").get_data(as_text=True), re.S).group(0)
    assert '<option value="CNY" selected>' in zh_selector


def checkout_form(client, lang: str) -> dict:
    page = client.get(f"/{lang}/checkout").get_data(as_text=True)
    key = re.search(r'name="key" type="hidden" value="([^"]+)"', page).group(1)
    total = re.search(r'name="expected_total" type="hidden" value="([^"]+)"', page).group(1)
    return {"key": key, "expected_total": total, **ADDRESS}


def test_every_page_shows_one_approximation_per_amount_and_the_same_charge_note(client, login, make_user,
                                                                                  make_product):
    rates()
    box = make_product(name="Thuya box", price=88800, currency="MAD", stock=9)
    login(make_user())
    client.post("/zh/cart/items", data={"product_id": box.id, "quantity": "3"})
    pages = {"product": client.get(f"/zh/products/{box.slug}").get_data(as_text=True),
             "cart": client.get("/zh/cart").get_data(as_text=True),
             "checkout": client.get("/zh/checkout").get_data(as_text=True)}
    placed = client.post("/zh/checkout", data=checkout_form(client, "zh"))
    order = db.session.scalars(select(Order)).one()
    assert placed.headers["Location"].endswith(f"/zh/orders/{order.reference}")
    pages["order"] = client.get(f"/zh/orders/{order.reference}").get_data(as_text=True)
    notes = {name: CHARGE_NOTE.findall(html) for name, html in pages.items()}
    assert all(len(found) == 1 for found in notes.values()), notes
    assert len({found[0] for found in notes.values()}) == 1, notes
    assert "美元" in notes["cart"][0] and "USD" in notes["cart"][0]
    for name, html in pages.items():
        assert "≈ ¥685.29" in html, name  # the unit price, the same figure on every page
        assert "MAD" not in main(html), name
    for name in ("cart", "checkout", "order"):
        html = pages[name]
        assert "≈ ¥2,055.87" in html and "¥2,055.88" not in html, name  # 3 × ¥685.29, not the total converted
        assert "US$289.56" in html, name  # the exact amount charged
    assert order.total_amount == 28956 and order.currency == "USD"
    assert "≈ ¥2,055.87" in client.get("/zh/orders/").get_data(as_text=True)


def test_without_a_display_currency_the_cart_shows_the_charged_amounts(client, make_product):
    rates()
    box = make_product(name="Thuya box", price=88800, currency="MAD", stock=9)
    client.post("/fr/cart/items", data={"product_id": box.id, "quantity": "2"})
    html = client.get("/fr/cart").get_data(as_text=True)
    assert "193,04\u00a0$US" in html and "MAD" not in main(html) and 'class="approx' not in html
    assert "Charged exactly" not in html and "Montant exact débité" not in html
