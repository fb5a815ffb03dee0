"""Vendors fulfil in their own language: order lines named in the store's language with photo and SKU,
the packing slip and address label, and the new-order e-mail, never in the shopper's language."""
from __future__ import annotations

import pytest

from marketplace.accounts.models import Role
from marketplace.catalog.models import ProductImage
from marketplace.extensions import db
from marketplace.orders.checkout import Destination, place_order
from marketplace.orders.packing import label_address, packing_lines

pytest_plugins = ["tests.orders.fulfilment_fixtures"]

NAMES = {"zh": "镶嵌图雅木首饰盒", "ar": "علبة مجوهرات من خشب العرعار", "fr": "Coffret à bijoux en thuya",
         "en": "Thuya wood jewellery box"}
CHINESE_ADDRESS = dict(recipient_name="张伟", phone="+86 138 0013 8000", country_code="CN", city="上海",
                       region="上海市", address_line="浦东新区世纪大道88号", postal_code="200120",
                       recipient_name_latin="Zhang Wei", city_latin="Shanghai", region_latin="Shanghai Shi",
                       address_line_latin="88 Shiji Dadao, Pudong Xinqu")


@pytest.fixture
def box(make_store, make_product):
    """A Marrakech store writing in Arabic, selling a box named in four languages, with a photo."""

    def make(language: str = "ar", sku: str | None = "MRK-BOX-01"):
        store = make_store(name="Atelier Thuya", country_code="MA", language=language, city="Essaouira")
        product = make_product(store=store, texts=NAMES, language="en", price=4500, stock=5, sku=sku)
        product.images.append(ProductImage(key="f" * 64, width=960, height=960, rendition_widths="240,480",
                                           fallback_width=480, status="ready"))
        db.session.commit()
        return product

    return make


@pytest.fixture
def chinese_order(shopper, fill_cart, checkout_key, outbox):
    """A zh shopper's pay-on-delivery order to Shanghai, typed in Chinese with its Latin version."""

    def make(product):
        fill_cart(shopper, product, quantity=2)
        return place_order(shopper, Destination(**CHINESE_ADDRESS), checkout_key(), "zh")

    return make


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_the_vendor_reads_the_order_in_the_store_language_with_photo_sku_and_both_addresses(
        client, login, box, chinese_order, outbox, language):
    product = box(language)
    order = chinese_order(product)
    part = order.vendor_orders[0]
    assert order.lines[0].name == NAMES["zh"]  # the shopper read it in Chinese
    vendor_mail = next(m for m in outbox if m.to == product.store.owner.email)
    assert NAMES[language] in vendor_mail.body and NAMES["zh"] not in vendor_mail.body
    assert "MRK-BOX-01" in vendor_mail.body and "浦东新区世纪大道88号" in vendor_mail.body
    assert "88 Shiji Dadao, Pudong Xinqu" in vendor_mail.body and "Zhang Wei" in vendor_mail.body
    assert "+86 138 0013 8000" in vendor_mail.body and vendor_mail.language == language

    login(product.store.owner)
    page = client.get(f"/{language}/vendor/orders/{part.id}").text
    assert NAMES[language] in page and NAMES["zh"] not in page
    assert "MRK-BOX-01" in page and "f" * 64 in page  # the SKU and the photo's renditions
    assert "浦东新区世纪大道88号" in page and "88 Shiji Dadao, Pudong Xinqu" in page and "Zhang Wei" in page
    assert f"/vendor/orders/{part.id}/packing-slip" in page
    listing = client.get(f"/{language}/vendor/orders/").text
    assert NAMES[language] in listing and NAMES["zh"] not in listing and "MRK-BOX-01" in listing

    slip = client.get(f"/en/vendor/orders/{part.id}/packing-slip")
    assert slip.status_code == 200
    assert NAMES[language] in slip.text and NAMES["zh"] not in slip.text  # the store's language, whatever the page's
    assert "MRK-BOX-01" in slip.text and order.reference in slip.text and "Atelier Thuya" in slip.text
    assert "88 Shiji Dadao, Pudong Xinqu" in slip.text and "Shanghai" in slip.text and "China" in slip.text
    assert "浦东新区世纪大道88号" in slip.text and "+86 138 0013 8000" in slip.text and "@media print" not in slip.text
    assert 'class="qty">2<' in slip.text


def test_names_fall_back_to_the_product_original_then_english_and_sku_to_the_product_id(
        box, chinese_order, make_product, make_store):
    product = box("sw", sku=None)  # no Swahili text: the product's original (English)
    order = chinese_order(product)
    [line] = packing_lines(order.vendor_orders[0])
    assert (line.name, line.language, line.sku) == (NAMES["en"], "en", str(product.id))
    assert line.cover is not None and line.quantity == 2


def test_the_staff_order_page_shows_each_store_part_in_its_language(client, login, box, chinese_order, staff):
    product = box("fr")
    order = chinese_order(product)
    login(staff)
    page = client.get(f"/zh/staff/orders/{order.id}").text
    assert NAMES["fr"] in page and "MRK-BOX-01" in page and "88 Shiji Dadao, Pudong Xinqu" in page
    slip = client.get(f"/en/vendor/orders/{order.vendor_orders[0].id}/packing-slip")
    assert slip.status_code == 200 and NAMES["fr"] in slip.text


def test_only_the_store_vendor_and_staff_open_the_packing_slip(client, login, box, chinese_order, make_store,
                                                               make_user):
    order = chinese_order(box())
    url = f"/en/vendor/orders/{order.vendor_orders[0].id}/packing-slip"
    assert client.get(url).status_code == 302  # a visitor is sent to log in
    login(make_store().owner)
    assert client.get(url).status_code == 404  # another store's vendor: never a hint it exists
    login(order.shopper)
    assert client.get(url).status_code == 403
    login(make_user(role=Role.STAFF))
    assert client.get(url).status_code == 200
    assert client.get("/en/vendor/orders/2147483647/packing-slip").status_code == 404


def test_a_latin_address_has_no_second_version(box, place):
    order = place(box())  # "88 Century Avenue, Pudong", typed in Latin letters
    label = label_address(order)
    assert not label.has_latin and label.latin["address_line"] == "88 Century Avenue, Pudong"
