"""Cross-border addresses at checkout: a Latin-letter version for the label (pinyin suggested for Chinese),
checked like the other fields; and the shopper's last address, country and phone prefix remembered."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from marketplace.core.errors import ValidationError
from marketplace.extensions import db
from marketplace.orders import addresses
from marketplace.orders.checkout import Destination, check_destination
from marketplace.orders.models import Order

CHINESE = dict(recipient_name="张伟", phone="+86 138 0013 8000", country_code="CN", region="上海市", city="上海",
               address_line="浦东新区世纪大道88号", postal_code="200120")
TODAY = date(2030, 1, 1)


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page).group(1)


def value_of(page: str, name: str) -> str:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page) or re.search(
        rf'<input[^>]*value="([^"]*)"[^>]*name="{name}"', page)
    return found.group(1) if found else ""


def order_count() -> int:
    return db.session.scalar(select(func.count(Order.id)))


@pytest.fixture
def at_checkout(client, login, shopper, make_product):
    """The shopper signed in with an item in the cart; returns the checkout form's hidden values."""
    product = make_product(name="Argan oil", stock=10)
    login(shopper)
    client.post("/zh/cart/items", data={"product_id": product.id, "quantity": "1"})

    def form() -> dict:
        page = client.get("/zh/checkout").text
        return {"key": hidden(page, "key"), "expected_total": hidden(page, "expected_total")}

    return form


def test_pinyin_is_suggested_for_review_and_the_shopper_correction_is_kept(client, at_checkout, shopper):
    form = {**at_checkout(), **CHINESE}
    review = client.post("/zh/checkout", data=form)
    assert review.status_code == 200 and order_count() == 0  # nothing placed: the shopper checks first
    page = review.text
    assert value_of(page, "recipient_name_latin") == "Zhang Wei"
    assert value_of(page, "city_latin") == "Shanghai" and value_of(page, "region_latin") == "Shanghai Shi"
    assert value_of(page, "address_line_latin") == "Pu Dong Xinqu Shiji Dadao 88 Hao"
    assert value_of(page, "address_line") == "浦东新区世纪大道88号"  # what was typed is kept
    assert "<details class=\"latin-address\"" in page and " open>" in page

    corrected = {**form, "key": hidden(page, "key"), "recipient_name_latin": "Zhang Wei",
                 "city_latin": "Shanghai", "region_latin": "Shanghai",
                 "address_line_latin": "88 Century Avenue, Pudong New Area"}
    placed = client.post("/zh/checkout", data=corrected)
    assert placed.status_code == 302
    order = db.session.scalars(select(Order)).one()
    assert (order.address_line, order.address_line_latin) == ("浦东新区世纪大道88号", "88 Century Avenue, Pudong New Area")
    assert (order.city, order.city_latin, order.region_latin) == ("上海", "Shanghai", "Shanghai")
    shopper_page = client.get(placed.headers["Location"]).text
    assert "浦东新区世纪大道88号" in shopper_page  # the shopper's page shows what they typed


def test_latin_fields_in_another_script_or_too_long_are_refused_with_everything_kept(client, at_checkout):
    form = {**at_checkout(), **CHINESE, "country_code": "MA", "address_line": "12 درب الحمام", "city": "مراكش",
            "recipient_name_latin": "Zhang Wei", "region_latin": "Marrakech-Safi",
            "address_line_latin": "12 درب الحمام", "city_latin": "M" * 81}
    refused = client.post("/zh/checkout", data=form)
    page = refused.text
    assert order_count() == 0
    assert "拉丁字母" in page  # the message, in the shopper's language
    assert value_of(page, "address_line_latin") == "12 درب الحمام" and value_of(page, "city") == "مراكش"
    assert value_of(page, "phone") == "+86 138 0013 8000" and value_of(page, "recipient_name") == "张伟"
    assert 'id="city_latin-error"' in page and 'id="address_line_latin-error"' in page


def test_the_service_asks_a_latin_version_only_for_text_in_another_script(app):
    arabic = Destination(recipient_name="Youssef", phone="+212 600 000000", country_code="MA", city="مراكش",
                         address_line="Derb El Hammam 12", postal_code="40000")
    with pytest.raises(ValidationError) as refused:
        check_destination(arabic, True, False, TODAY)
    assert set(refused.value.fields) == {"city_latin"}
    fields = check_destination(Destination(**{**arabic.__dict__, "city_latin": "Marrakech", "errors": {}}),
                               True, False, TODAY)
    assert (fields["city"], fields["city_latin"], fields["address_line_latin"]) == ("مراكش", "Marrakech", "")
    chinese = check_destination(Destination(**CHINESE), True, False, TODAY)  # the API: pinyin filled in
    assert chinese["recipient_name_latin"] == "Zhang Wei" and chinese["city_latin"] == "Shanghai"
    with pytest.raises(ValidationError) as refused:
        check_destination(Destination(**CHINESE, address_line_latin="浦东"), True, False, TODAY)
    assert set(refused.value.fields) == {"address_line_latin"}
    long_chinese = Destination(**{**CHINESE, "address_line": "浦" * 200})
    with pytest.raises(ValidationError) as refused:  # the pinyin of 200 characters is longer than a label line
        check_destination(long_chinese, True, False, TODAY)
    assert set(refused.value.fields) == {"address_line_latin"}


def test_the_last_delivery_address_is_prefilled_and_a_changed_address_gets_new_pinyin(client, at_checkout,
                                                                                       make_product):
    form = {**at_checkout(), **CHINESE, "recipient_name_latin": "Zhang Wei", "city_latin": "Shanghai",
            "region_latin": "Shanghai", "address_line_latin": "88 Century Avenue"}
    assert client.post("/zh/checkout", data=form).status_code == 302
    client.post("/zh/cart/items", data={"product_id": make_product(stock=3).id, "quantity": "1"})
    page = client.get("/zh/checkout").text
    assert value_of(page, "address_line") == "浦东新区世纪大道88号"
    assert value_of(page, "address_line_latin") == "88 Century Avenue"
    assert value_of(page, "phone") == "+86 138 0013 8000" and value_of(page, "postal_code") == "200120"
    assert re.search(r'<option selected value="CN">|<option value="CN" selected>', page)

    moved = {"key": hidden(page, "key"), "expected_total": hidden(page, "expected_total"), **CHINESE,
             "recipient_name_latin": "Zhang Wei", "city_latin": "Shanghai", "region_latin": "Shanghai",
             "address_line": "北京市朝阳区建国路88号", "address_line_latin": "88 Century Avenue"}
    review = client.post("/zh/checkout", data=moved)
    assert order_count() == 1  # not placed with the old address's Latin version
    assert value_of(review.text, "address_line_latin") == "Beijingshi Chaoyangqu Jian Guo Lu 88 Hao"
    assert value_of(review.text, "city_latin") == "Shanghai"  # unchanged parts keep their Latin version


def test_a_first_checkout_preselects_the_country_and_phone_prefix_of_the_locale(client, at_checkout):
    page = client.get("/zh/checkout", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).text
    assert re.search(r'<option selected value="CN">|<option value="CN" selected>', page)
    assert value_of(page, "phone") == "+86 "
    page = client.get("/fr/checkout", headers={"Accept-Language": "fr-SN,fr;q=0.8"}).text
    assert re.search(r'<option selected value="SN">|<option value="SN" selected>', page)
    assert value_of(page, "phone") == "+221 "


def test_scripts_and_pinyin(app):
    assert addresses.needs_latin_address("CN") and addresses.needs_latin_address("EG")
    assert addresses.needs_latin_address("ET") and not addresses.needs_latin_address("KE")
    assert {"CN", "MA", "DZ", "TN", "SA", "AE", "SD", "LY", "EG", "ET"} <= set(
        addresses.non_latin_countries(["CN", "MA", "DZ", "TN", "SA", "AE", "SD", "LY", "EG", "ET", "GH"]))
    assert addresses.is_latin_text("Rue Zürich 3, Bâtiment B – #2") and addresses.is_latin_text("８８ Ｃｅｎｔｕｒｙ")
    assert not addresses.is_latin_text("مراكش") and not addresses.is_latin_text("Addis ፩") \
        and not addresses.is_latin_text("上海")
    assert addresses.pinyin("张小明", person_name=True) == "Zhang Xiaoming"
    assert addresses.pinyin("北京市朝阳区建国路８８号，２栋") == "Beijingshi Chaoyangqu Jian Guo Lu 88 Hao, 2 Dong"
    assert addresses.country_from_locale([], "zh") == "CN" and addresses.phone_prefix("MA") == "+212 "
