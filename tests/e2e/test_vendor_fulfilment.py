"""A Chinese shopper orders a Moroccan jewellery box with a Chinese address and its pinyin; the store's
Arabic-speaking vendor opens the order on a phone and reads it in Arabic, with the photo, the SKU and the
address in Latin letters, then opens the printable packing slip and address label."""
from __future__ import annotations

import os
import re
from pathlib import Path
from types import SimpleNamespace

from campaigns.demo.seed import DEMO_PASSWORD, _product_plan, _store_plan

SEEDED_STORES, SEEDED_PRODUCTS = 16, 64  # tests/e2e/conftest.py seeds these
SHOTS = Path(os.environ.get("E2E_SCREENSHOTS", "")) if os.environ.get("E2E_SCREENSHOTS") else None


def shot(page, name: str) -> None:
    """Keep a screenshot when E2E_SCREENSHOTS names a folder (to look at the pages)."""
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def demo_box() -> dict:
    """The demo vendor's first product (Marrakech, written in Arabic, translated into fr, en and zh)."""
    plan = _store_plan(SEEDED_STORES)
    stores = [SimpleNamespace(id=index + 1, country_code=item["country"]["code"], city=item["city"],
                              original_language=item["language"], is_campaign=item["is_campaign"])
              for index, item in enumerate(plan)]
    product = _product_plan(SEEDED_PRODUCTS, stores)[0]
    assert plan[0]["language"] == "ar" and {"ar", "zh"} <= set(product["texts"])
    return product


def log_in(page, base: str, email: str, lang: str) -> None:
    page.goto(f"{base}/{lang}/account/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.locator("form button[type=submit].primary").click()
    page.wait_for_load_state()


def no_overflow(page) -> None:
    wide = page.evaluate("""[...document.querySelectorAll('body *')].filter(e => {
        const box = e.getBoundingClientRect();
        return (box.right > 362 || box.left < -2) && !e.closest('.table-wrap') && !e.matches('.skip'); })
        .slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().left)
        + '..' + Math.round(e.getBoundingClientRect().right))""")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, (page.url, wide)


def test_an_arabic_vendor_fulfils_a_chinese_order_from_a_phone(live_server, browser, phone, check_accessibility):
    box = demo_box()
    zh_name, ar_name = box["texts"]["zh"][0], box["texts"]["ar"][0]
    sku = f"MA-{box['slug'].rsplit('-', 1)[1]:0>4}"

    page = phone
    log_in(page, live_server, "shopper@example.com", "zh")
    page.goto(f"{live_server}/zh/products/{box['slug']}")
    assert page.locator("h1").inner_text() == zh_name
    page.locator("form.add-to-cart button[type=submit]").click()
    page.wait_for_selector(".flash-success")
    page.goto(f"{live_server}/zh/checkout")
    page.fill("#recipient_name", "张伟")
    page.fill("#phone", "+86 138 0013 8000")
    page.select_option("#country_code", "CN")
    page.fill("#region", "上海市")
    page.fill("#city", "上海")
    page.fill("#address_line", "浦东新区世纪大道88号")
    page.fill("#postal_code", "200120")
    assert page.locator("#latin-address").get_attribute("open") is not None  # China writes in another script
    for name in ("recipient_name_latin", "address_line_latin", "city_latin", "region_latin"):
        page.fill(f"#{name}", "")
    page.locator("form.checkout-form button[type=submit]").click()
    page.wait_for_selector(".latin-review")  # nothing placed yet: the pinyin is shown to check
    assert page.input_value("#recipient_name_latin") == "Zhang Wei"
    assert page.input_value("#city_latin") == "Shanghai"
    assert page.input_value("#address_line_latin") == "Pu Dong Xinqu Shiji Dadao 88 Hao"
    assert page.input_value("#address_line") == "浦东新区世纪大道88号"
    no_overflow(page)
    check_accessibility(page)
    shot(page, "1-checkout-pinyin-review-zh")
    page.fill("#address_line_latin", "88 Shiji Dadao, Pudong Xinqu")  # the shopper's own spelling
    page.locator("form.checkout-form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/zh/orders/[A-Z0-9]{10}$"))
    reference = page.url.rsplit("/", 1)[1]
    assert "浦东新区世纪大道88号" in page.content()

    vendor = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True)
    try:
        page = vendor.new_page()
        log_in(page, live_server, "vendor@example.com", "ar")
        page.goto(f"{live_server}/ar/vendor/orders/")
        page.get_by_role("link", name=reference).click()
        page.wait_for_selector(".packing-lines")
        lines = page.locator(".packing-lines tbody")
        assert ar_name in lines.inner_text() and zh_name not in page.content()
        assert lines.locator(".packing-product img").first.evaluate("img => img.complete && img.naturalWidth > 0")
        assert sku in lines.locator(".sku").inner_text()
        latin = page.locator(".latin-address").inner_text()
        assert "88 Shiji Dadao, Pudong Xinqu" in latin and "Shanghai" in latin and "China" in latin
        assert "Zhang Wei" in page.locator(".latin-name").inner_text()
        assert "浦东新区世纪大道88号" in page.content()
        no_overflow(page)
        check_accessibility(page)
        shot(page, "2-vendor-order-ar")

        page.get_by_role("link", name="قسيمة التعبئة وملصق العنوان").click()
        page.wait_for_selector(".packing-slip")
        slip = page.locator(".packing-slip")
        assert ar_name in slip.inner_text() and sku in slip.inner_text() and reference in slip.inner_text()
        label = page.locator(".label-latin").inner_text()
        assert "Zhang Wei" in label and "88 Shiji Dadao, Pudong Xinqu" in label and "200120" in label
        assert "+86 138 0013 8000" in page.locator(".label-phone").inner_text()
        assert page.locator("button[data-print]").is_visible()
        no_overflow(page)
        check_accessibility(page)
        shot(page, "3-packing-slip-ar")
        page.emulate_media(media="print")
        assert not page.locator(".site-header").is_visible() and not page.locator("button[data-print]").is_visible()
        assert page.locator(".label-box").is_visible()
        shot(page, "4-packing-slip-print")
    finally:
        vendor.close()
