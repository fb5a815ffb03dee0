"""A shopper in Shanghai fills a cart from two African stores on a phone, logs in at checkout and pays
on delivery; each vendor packs and ships its own part; the shopper follows both parts on the order page."""
from __future__ import annotations

import re

from campaigns.demo.seed import DEMO_PASSWORD, _store_plan

SEEDED_STORES = 16  # tests/e2e/conftest.py seeds this many


def log_in(page, base: str, email: str, lang: str = "en") -> None:
    page.goto(f"{base}/{lang}/account/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.locator("form button[type=submit].primary").click()
    page.wait_for_load_state()


def add_first_product(page, base: str, store_slug: str, quantity: int) -> str:
    """Open the store's first product in stock, add `quantity` to the cart; returns the product's name."""
    page.goto(f"{base}/zh/stores/{store_slug}")
    cards = page.locator(".card:not(:has(.badge.out)) > a")
    cards.first.click()
    page.wait_for_selector("form.add-to-cart")
    name = page.locator("h1").inner_text()
    page.fill("form.add-to-cart input[name=quantity]", str(quantity))
    page.locator("form.add-to-cart button[type=submit]").click()
    page.wait_for_selector(".flash-success")
    return name


def ship_newest_order(page, base: str, vendor_email: str, reference: str, tracking: str) -> None:
    log_in(page, base, vendor_email)
    page.goto(f"{base}/en/vendor/orders/")
    page.get_by_role("link", name=reference).click()
    page.locator("form[action$='/pack'] button[type=submit]").click()
    page.wait_for_selector("form[action$='/ship']")
    page.fill("form[action$='/ship'] input[name=tracking_reference]", tracking)
    page.locator("form[action$='/ship'] button[type=submit]").click()
    page.wait_for_selector(".status-shipped")


def test_a_shopper_buys_from_two_vendors_and_each_ships_its_part(live_server, browser, phone, check_accessibility):
    plan = _store_plan(SEEDED_STORES)
    first_store, second_store = plan[0], plan[1]  # the demo vendor's store, and vendor2's
    page = phone
    shea = add_first_product(page, live_server, first_store["slug"], 1)
    other = add_first_product(page, live_server, second_store["slug"], 2)

    page.goto(f"{live_server}/zh/cart")
    check_accessibility(page)
    sections = page.locator(".cart-vendor h2")
    assert sections.count() == 2
    headings = " ".join(sections.all_inner_texts())
    assert first_store["name"] in headings and second_store["name"] in headings
    assert shea in page.content() and other in page.content()
    wide = page.evaluate("""[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 362)
        .slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, wide

    page.locator(".cart-total a.button").click()  # "log in to check out": the cart is kept
    page.wait_for_url("**/zh/account/login**")
    page.fill("#email", "shopper@example.com")
    page.fill("#password", DEMO_PASSWORD)
    page.locator("form button[type=submit].primary").click()
    page.wait_for_url("**/zh/checkout")
    check_accessibility(page)
    page.fill("#phone", "+86 138 0013 8000")
    page.select_option("#country_code", "CN")
    page.fill("#city", "上海")
    page.fill("#address_line", "浦东新区世纪大道88号")
    page.fill("#postal_code", "200120")
    page.locator("form.checkout-form button[type=submit]").click()
    page.wait_for_load_state()
    if page.locator(".latin-review").count():  # a Chinese address: the pinyin for the label is shown to check
        assert page.input_value("#address_line_latin") == "Pu Dong Xinqu Shiji Dadao 88 Hao"
        page.locator("form.checkout-form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/zh/orders/[A-Z0-9]{10}$"))
    check_accessibility(page)
    reference = page.url.rsplit("/", 1)[1]
    assert page.locator(".vendor-order").count() == 2

    vendor_context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        ship_newest_order(vendor_context.new_page(), live_server, "vendor@example.com", reference, "EMS-E2E-0001")
    finally:
        vendor_context.close()
    vendor_context = browser.new_context(viewport={"width": 360, "height": 740})
    try:
        ship_newest_order(vendor_context.new_page(), live_server, "vendor2@example.com", reference, "DHL-E2E-0002")
    finally:
        vendor_context.close()

    page.goto(f"{live_server}/zh/orders/{reference}")
    content = page.content()
    assert "EMS-E2E-0001" in content and "DHL-E2E-0002" in content
    assert page.locator(".vendor-order .badge").count() == 2
