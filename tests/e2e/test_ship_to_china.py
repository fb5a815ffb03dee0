"""A shopper in China on a 360 px phone, in Chinese: the product page says what shipping to China costs and
how long it takes, and who pays import duties; the cart offers the store's methods and keeps the one picked;
checkout places the order with that shipping, and the order page shows it; once it is delivered (the demo moves)
the shopper reviews it in Chinese with a photo and the store answers in French."""
from __future__ import annotations

import os
import re
from pathlib import Path

from campaigns.demo.seed import _store_plan
from tests.e2e.test_buy_from_two_vendors import SEEDED_STORES, log_in
from tests.vendors.photo_files import jpeg

REVIEW = "运费清楚，EMS 十天就送到上海了，乳木果油很新鲜。"
ANSWER = "Merci ! Nous expédions chaque semaine vers la Chine."
SHOTS = Path(os.environ.get("E2E_SHOTS", "")) if os.environ.get("E2E_SHOTS") else None


def shot(page, name: str) -> None:
    """Keep a screenshot when E2E_SHOTS names a folder (for people to look at; never asserted on)."""
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def deliver(live_app, reference: str) -> str:
    """The store moves the order's part through packed and shipped to delivered (the demo moves); its owner's
    e-mail."""
    from sqlalchemy import select

    from marketplace.extensions import db
    from marketplace.orders.models import FulfilmentState, Order
    from marketplace.orders.states import move_vendor_order

    with live_app.app_context():
        order = db.session.scalar(select(Order).where(Order.reference == reference))
        part = order.vendor_orders[0]
        owner = part.store.owner
        for state in (FulfilmentState.PACKED, FulfilmentState.SHIPPED, FulfilmentState.DELIVERED):
            move_vendor_order(part, state, owner.id)
        db.session.commit()
        return owner.email


def test_a_chinese_shopper_ships_to_china_gets_the_delivery_reviews_it_and_the_vendor_answers_in_french(
        live_app, live_server, browser, phone, check_accessibility, tmp_path):
    store = _store_plan(SEEDED_STORES)[3]  # ships to China (demo profile): EMS or China Post
    page = phone
    log_in(page, live_server, "shopper@example.com", "zh")
    page.goto(f"{live_server}/zh/stores/{store['slug']}")
    page.locator(".card:not(:has(.badge.out)) > a").first.click()
    page.wait_for_selector(".product-shipping")
    product_page = page.url
    shipping = page.locator(".product-shipping")
    assert "中国" in shipping.locator("h2").inner_text()  # the destination comes from the Chinese pages
    assert "EMS" in shipping.inner_text() and "China Post" in shipping.inner_text()
    assert "跨境电商" in page.locator(".duty-note").inner_text()  # China's note, in Chinese
    fits_the_phone(page)
    check_accessibility(page)
    shot(page, "1-product-zh")

    page.locator("form.add-to-cart button[type=submit]").click()
    page.wait_for_selector(".flash-success")
    page.goto(f"{live_server}/zh/cart")
    group = page.locator(".cart-vendor", has_text=store["name"])
    options = group.locator(".shipping-option")
    assert options.count() == 2
    cheapest_total = page.locator(".cart-total .total").inner_text()
    group.locator(".shipping-option", has_text="EMS").locator("input").check()
    group.locator("form.shipping-choice button[type=submit]").click()
    page.wait_for_load_state()
    group = page.locator(".cart-vendor", has_text=store["name"])
    assert group.locator(".shipping-option", has_text="EMS").locator("input").is_checked()
    assert page.locator(".cart-total .total").inner_text() != cheapest_total
    assert page.locator(".duty-note").count() == 1
    fits_the_phone(page)
    check_accessibility(page)
    shot(page, "2-cart-zh")

    page.locator(".cart-total a.button").click()
    page.wait_for_url("**/zh/checkout**")
    assert "EMS" in page.locator(".summary").inner_text()
    page.fill("#phone", "+86 138 0013 8000")
    page.select_option("#country_code", "CN")
    page.fill("#city", "上海")
    page.fill("#address_line", "浦东新区世纪大道88号")
    page.fill("#postal_code", "200120")
    fits_the_phone(page)
    shot(page, "3-checkout-zh")
    page.locator("form.checkout-form button[type=submit]").click()
    page.wait_for_load_state()
    if page.locator(".latin-review").count():  # the pinyin for the label is shown to check first
        page.locator("form.checkout-form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/zh/orders/[A-Z0-9]{10}$"))
    part = page.locator(".vendor-order", has_text=store["name"])
    assert "EMS" in part.locator(".shipping-line").inner_text()
    fits_the_phone(page)
    check_accessibility(page)
    shot(page, "4-order-zh")

    # Delivered: the shopper reviews it in Chinese with a photo, the store answers in French.
    reference = page.url.rsplit("/", 1)[1]
    owner = deliver(live_app, reference)
    photo = tmp_path / "parcel.jpg"
    photo.write_bytes(jpeg((800, 600), color=(60, 120, 170)))
    page.goto(f"{live_server}/zh/orders/{reference}")
    page.get_by_role("link", name="评价此商品").first.click()
    page.get_by_label("5 星").check()
    page.fill("#body", REVIEW)
    page.set_input_files("#photos", str(photo))
    fits_the_phone(page)
    shot(page, "5-review-zh")
    page.locator("form.review-form button[type=submit]").click()
    page.wait_for_url(re.compile(rf".*/zh/orders/{reference}#line-\d+$"))
    assert "谢谢！你的评价已显示在商品页面上。" in page.content()

    desk = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    try:
        vendor = desk.new_page()
        log_in(vendor, live_server, owner, "fr")
        vendor.goto(f"{live_server}/fr/vendor/reviews/?unanswered=1")
        review = vendor.locator(".review", has_text=REVIEW)
        review.locator("textarea").fill(ANSWER)
        review.locator("select").select_option("fr")
        review.locator("button[type=submit]").click()
        vendor.wait_for_selector(".flash-success")
        shot(vendor, "6-answer-fr")
    finally:
        desk.close()
    page.goto(product_page)
    shown = page.locator(".review", has_text=REVIEW)
    assert "已验证购买" in shown.inner_text() and ANSWER in shown.locator(".review-answer").inner_text()
    assert shown.locator(".review-photos img").first.evaluate("img => img.complete && img.naturalWidth > 0")
    fits_the_phone(page)
    check_accessibility(page)
    shot(page, "7-product-reviewed-zh")


def test_a_vendor_on_a_phone_adds_a_zone_and_is_told_what_is_wrong_with_a_method(
        live_server, phone, check_accessibility):
    page = phone
    log_in(page, live_server, "vendor2@example.com", "fr")
    page.goto(f"{live_server}/fr/vendor/shipping/")
    assert page.locator(".shipping-zone").count() >= 3  # the demo profile: home, region, China …
    fits_the_phone(page)
    check_accessibility(page)
    shot(page, "5-vendor-profile-fr")
    page.fill("#name", "Europe")
    page.fill("#countries", "FR BE")
    page.locator("#new-zone button[type=submit]").click()
    page.wait_for_url("**/methods/new")
    page.fill("#carrier", "La Poste")
    page.locator("input[name=pricing][value=weight]").check()
    page.fill("#bands", "0-500: 12\n800-2000: 20")
    page.fill("#min_days", "6")
    page.fill("#max_days", "12")
    page.locator("form button[type=submit].primary").click()
    page.wait_for_load_state()
    assert page.locator(".has-error").count() >= 1  # a gap between bands, and demo products without weight
    fits_the_phone(page)
    check_accessibility(page)
    shot(page, "6-vendor-method-errors-fr")


def test_staff_keep_duties_notes_and_shoppers_keep_addresses(live_server, browser, phone, check_accessibility):
    laptop = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(laptop, live_server, "staff@example.com")
    laptop.goto(f"{live_server}/en/staff/duties/")
    assert "CN" in laptop.locator("table").inner_text()
    check_accessibility(laptop)
    shot(laptop, "7-staff-duties-en")
    laptop.context.close()

    page = phone
    log_in(page, live_server, "shopper@example.com", "ar")
    page.goto(f"{live_server}/ar/account/addresses/")
    page.fill("#label", "البيت")
    page.fill("#recipient_name", "ليلى بنعلي")
    page.fill("#phone", "+212 600 123456")
    page.select_option("#country_code", "MA")
    page.fill("#city", "مراكش")
    page.fill("#address_line", "12 درب الزاوية")
    page.fill("#postal_code", "40000")
    page.locator("form button[type=submit].primary").click()
    page.wait_for_load_state()
    assert page.locator(".has-error").count() >= 1  # an Arabic address needs its Latin letters for the label
    page.locator("details.latin-address").evaluate("d => d.open = true")
    page.fill("#recipient_name_latin", "Layla Benali")
    page.fill("#city_latin", "Marrakech")
    page.fill("#address_line_latin", "12 Derb Zaouia")
    page.locator("form button[type=submit].primary").click()
    page.wait_for_url("**/ar/account/addresses/")
    assert "Layla Benali" in page.locator(".address-book").inner_text()
    fits_the_phone(page)
    check_accessibility(page)
    shot(page, "8-address-book-ar")
