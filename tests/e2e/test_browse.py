"""A shopper on a phone browses home → pavilion → product, in English and in Arabic."""
from __future__ import annotations

import os

import pytest

SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS")


def snap(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=False)


@pytest.mark.parametrize("lang, direction", [("en", "ltr"), ("ar", "rtl")])
def test_home_to_pavilion_to_product(live_server, phone, check_accessibility, lang, direction):
    page = phone
    page.goto(f"{live_server}/{lang}/")
    assert page.locator("html").get_attribute("dir") == direction
    assert page.locator("progress").count() == 2
    check_accessibility(page)
    snap(page, f"{lang}-home")

    page.locator("details.menu > summary").click()  # on a phone the main links are behind the menu button
    page.locator("nav.primary a[href$='/pavilions/']").click()
    page.wait_for_url(f"**/{lang}/pavilions/")
    check_accessibility(page)
    snap(page, f"{lang}-pavilions")

    page.locator(".pavilions li:not(.quiet) a").first.click()
    page.wait_for_url(f"**/{lang}/pavilions/*")
    assert page.locator(".card").count() > 0
    check_accessibility(page)
    snap(page, f"{lang}-pavilion")

    product_name = page.locator(".card .name").first.inner_text()
    page.locator(".card a").first.click()
    page.wait_for_url(f"**/{lang}/products/*")
    assert page.locator("h1").inner_text() == product_name
    assert page.locator(".price").first.is_visible()
    assert page.locator("html").get_attribute("dir") == direction
    check_accessibility(page)
    snap(page, f"{lang}-product")
    # Nothing overflows the 360 px screen sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_language_switcher_keeps_the_page(live_server, phone):
    page = phone
    page.goto(f"{live_server}/en/pavilions/")
    page.locator(".pavilions li:not(.quiet) a").first.click()
    path = page.url.split("/en/", 1)[1]
    page.locator("details.menu > summary").click()
    page.locator("nav.languages a[hreflang='zh-Hans']").click()
    page.wait_for_url(f"**/zh/{path}")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    page.locator("details.menu > summary").click()
    page.locator("nav.languages a[hreflang='ar']").click()
    page.wait_for_url(f"**/ar/{path}")
    assert page.locator("html").get_attribute("dir") == "rtl"


def test_pages_work_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = context.new_page()
    try:
        page.goto(f"{live_server}/fr/")
        page.locator(".card a").first.click()
        page.wait_for_url("**/fr/products/*")
        assert page.locator("h1").is_visible()
        page.locator("details.menu > summary").click()  # a plain <details>: it opens without JavaScript
        page.select_option("#display-currency", "CNY")
        page.locator("form.currency button[type=submit]").click()
        assert "CNY" in page.locator(".approx").first.inner_text()
    finally:
        context.close()
