"""Shipping, duties and the address book as people use them through the pages."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.orders.address_book.models import SavedAddress
from marketplace.orders.models import Order
from marketplace.shipping.models import DutyNote, DutyPayer, ShippingMethod, ShippingZone
from tests.orders.conftest import ADDRESS

CHINA_NOTE = "Cross-border e-commerce allowance: up to ¥5,000 per order; duties may apply above."


def note_for_china() -> None:
    db.session.add(DutyNote(country_code="CN", payer=DutyPayer.SHOPPER, texts={"en": CHINA_NOTE, "zh": "跨境电商"}))
    db.session.commit()


def test_the_product_page_shows_shipping_to_the_destination_and_the_duties_note(
        client, make_store, make_product, china_profile):
    store = make_store(name="Tamale Shea")
    china_profile(store)
    shea = make_product(store=store, price=1200, weight_grams=300)
    note_for_china()
    page = client.get(f"/zh/products/{shea.slug}").get_data(as_text=True)  # zh: shipping to China
    assert "China Post" in page and "EMS" in page
    assert "跨境电商" in page
    page = client.get(f"/en/products/{shea.slug}", headers={"Accept-Language": "fr-FR"}).get_data(as_text=True)
    assert "Tamale Shea does not ship to France." in page
    client.post("/en/cart/shipping", data={"destination": "GH", "next": f"/en/products/{shea.slug}"})
    page = client.get(f"/en/products/{shea.slug}").get_data(as_text=True)
    assert "Ghana Post" in page and "Makola Market stall 12" in page
    assert CHINA_NOTE not in page  # no border crossed: no duties note


def test_the_cart_offers_the_methods_for_the_destination_and_keeps_the_pick(
        client, make_store, make_product, china_profile):
    store = make_store(name="Tamale Shea")
    china, _west = china_profile(store)
    shea = make_product(store=store, price=1200, weight_grams=300)
    note_for_china()
    client.post("/en/cart/items", data={"product_id": shea.id, "quantity": "1"})
    client.post("/en/cart/shipping", data={"destination": "CN"})
    page = client.get("/en/cart").get_data(as_text=True)
    assert f'name="ship-{store.id}"' in page and "China Post" in page and CHINA_NOTE in page
    assert "Total to pay: $21.00" in page  # 12.00 + China Post 9.00
    ems = next(m.id for m in china.methods if m.carrier == "EMS")
    client.post("/en/cart/shipping", data={f"ship-{store.id}": str(ems)})
    assert "Total to pay: $27.00" in client.get("/en/cart").get_data(as_text=True)  # EMS first band 15.00
    client.post("/en/cart/shipping", data={"destination": "FR"})
    page = client.get("/en/cart").get_data(as_text=True)
    assert "Tamale Shea does not ship to France." in page
    assert "Some stores do not ship these items to France." in page  # checkout refuses an address there


def test_a_bad_destination_is_refused_and_changes_nothing(client, make_product):
    client.post("/en/cart/shipping", data={"destination": "CN"})
    response = client.post("/en/cart/shipping", data={"destination": "<script>"}, follow_redirects=True)
    assert "Choose the country the order goes to." in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert session["ship_to"] == "CN"


def checkout_fields(page: str) -> dict:
    key = re.search(r'name="key" type="hidden" value="([^"]+)"', page).group(1)
    total = re.search(r'name="expected_total" type="hidden" value="([^"]+)"', page).group(1)
    return {"key": key, "expected_total": total}


def test_checkout_shows_and_locks_the_shipping_and_the_order_page_shows_it(
        client, login, shopper, make_store, make_product, china_profile):
    store = make_store(name="Tamale Shea")
    china_profile(store)
    shea = make_product(store=store, price=1200, weight_grams=300)
    login(shopper)
    client.post("/en/cart/items", data={"product_id": shea.id, "quantity": "1"})
    client.post("/en/cart/shipping", data={"destination": "CN"})
    page = client.get("/en/checkout").get_data(as_text=True)
    assert "Shipping (China Post): $9.00" in page
    response = client.post("/en/checkout", data={**checkout_fields(page), **ADDRESS})
    assert response.status_code == 302
    order = db.session.scalars(select(Order)).one()
    assert order.total_amount == 2100 and order.vendor_orders[0].shipping_method == "China Post"
    page = client.get(f"/en/orders/{order.reference}").get_data(as_text=True)
    assert "Shipping: China Post" in page and "15–30 working days" in page
    login(store.owner)
    page = client.get(f"/en/vendor/orders/{order.vendor_orders[0].id}").get_data(as_text=True)
    assert "For the customs form" in page and "Ship by: China Post" in page


def test_the_vendor_builds_a_profile_on_the_pages_and_bad_input_is_explained(client, login, make_store):
    store = make_store(country_code="GH")
    login(store.owner)
    response = client.post("/en/vendor/shipping/", data={"name": "China", "countries": "CN HK"})
    zone = db.session.scalars(select(ShippingZone)).one()
    assert response.headers["Location"].endswith(f"/en/vendor/shipping/zones/{zone.id}/methods/new")
    response = client.post(f"/en/vendor/shipping/zones/{zone.id}/methods/new", data={
        "kind": "carrier", "carrier": "EMS", "pricing": "weight", "bands": "0-500: 40\n600-900: 50",
        "min_days": "8", "max_days": "15"})
    assert response.status_code == 422
    assert "weight bands may not leave a gap" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ShippingMethod)) == 0
    client.post(f"/en/vendor/shipping/zones/{zone.id}/methods/new", data={
        "kind": "carrier", "carrier": "EMS", "tracked": "y", "pricing": "flat", "flat_price": "120",
        "min_days": "8", "max_days": "15"})
    page = client.get("/en/vendor/shipping/").get_data(as_text=True)
    assert "EMS" in page and "GHS120.00" in page and "8–15 working days" in page
    response = client.post("/en/vendor/shipping/", data={"name": "Asia", "countries": "CN"})
    assert response.status_code == 422 and "can be in one zone only" in response.get_data(as_text=True)


def test_another_vendors_zone_answers_404_and_shoppers_are_refused(client, login, make_store, china_profile, shopper):
    china, _west = china_profile(make_store())
    login(make_store().owner)
    assert client.get(f"/en/vendor/shipping/zones/{china.id}").status_code == 404
    assert client.post(f"/en/vendor/shipping/methods/{china.methods[0].id}/delete").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(ShippingMethod)) == 4
    login(shopper)
    assert client.get("/en/vendor/shipping/").status_code == 403


def test_staff_set_a_duties_note_and_others_cannot(client, login, make_user, shopper):
    login(make_user(role=Role.STAFF))
    response = client.post("/en/staff/duties/", data={"country_code": "CN", "payer": "shopper", "text_en": CHINA_NOTE})
    assert response.status_code == 302
    assert db.session.get(DutyNote, "CN").texts == {"en": CHINA_NOTE}
    response = client.post("/en/staff/duties/", data={"country_code": "ZZ", "payer": "shopper"})
    assert response.status_code == 422 and "Choose a country from the list." in response.get_data(as_text=True)
    login(shopper)
    assert client.post("/en/staff/duties/", data={"country_code": "CN", "payer": "seller"}).status_code == 403
    assert db.session.get(DutyNote, "CN").payer == DutyPayer.SHOPPER


ADDRESS_FIELDS = {**ADDRESS, "label": "Office", "recipient_name": "李伟", "city": "上海市", "address_line": "世纪大道88号"}


def test_the_address_book_keeps_addresses_with_their_latin_label_and_checkout_picks_one(
        client, login, shopper, make_store, make_product, china_profile):
    login(shopper)
    response = client.post("/zh/account/addresses/", data=ADDRESS_FIELDS)
    assert response.status_code == 302
    saved = db.session.scalars(select(SavedAddress)).one()
    assert (saved.label, saved.recipient_name_latin, saved.city_latin) == ("Office", "Li Wei", "Shanghai Shi")
    store = make_store()
    china_profile(store)
    client.post("/en/cart/items", data={"product_id": make_product(store=store, weight_grams=100).id})
    page = client.get(f"/en/checkout?address={saved.id}").get_data(as_text=True)
    assert 'value="世纪大道88号"' in page and "China Post" in page


def test_bad_addresses_are_refused_and_another_shoppers_address_is_not_found(client, login, shopper, make_user):
    login(shopper)
    response = client.post("/en/account/addresses/", data={**ADDRESS_FIELDS, "phone": "call me", "label": "x" * 41})
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and "Use at most 40 characters." in text and "Enter a phone number" in text
    assert db.session.scalar(select(func.count()).select_from(SavedAddress)) == 0
    client.post("/en/account/addresses/", data=ADDRESS_FIELDS)
    saved = db.session.scalars(select(SavedAddress)).one()
    login(make_user(role=Role.SHOPPER))
    assert client.get(f"/en/account/addresses/{saved.id}").status_code == 404
    assert client.post(f"/en/account/addresses/{saved.id}/delete").status_code == 404
    assert client.post(f"/en/account/addresses/{saved.id}", data=ADDRESS_FIELDS).status_code == 404
    assert 'value="世纪大道88号"' not in client.get(f"/en/checkout?address={saved.id}").get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SavedAddress)) == 1
