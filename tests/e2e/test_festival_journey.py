"""A Chinese shopper on a phone finds the live festival from the home page and buys a deal from its card."""
from __future__ import annotations

import re

import pytest


@pytest.fixture
def zh_phone(browser):
    """A 360 × 740 phone whose browser asks for Chinese."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True,
                                  locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def test_a_zh_shopper_reaches_the_live_festival_from_home_and_adds_a_deal(live_server, zh_phone,
                                                                        check_accessibility):
    page = zh_phone
    page.goto(f"{live_server}/")
    assert page.url == f"{live_server}/zh/"

    hero = page.locator(".festival-hero")
    expect(hero).to_be_visible()
    assert hero.bounding_box()["y"] < 740, "the festival shows on the first screen of a phone"
    assert "距结束还有" in hero.locator(".countdown").inner_text()  # "Ends in": the demo festival is live
    first_deal = hero.locator(".deal").first
    assert first_deal.bounding_box()["y"] < 2 * 740, "the first product comes early on a phone"
    assert re.search(r"-\d+%", first_deal.locator(".discount").inner_text())
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "the deal strip scrolls inside itself"
    check_accessibility(page)

    hero.locator("h2 a").click()
    assert re.fullmatch(rf"{live_server}/zh/festivals/[\w-]+", page.url)
    card = page.locator(".deal", has_text="每人限购2件").first  # "max 2 each"
    expect(card).to_be_visible()
    assert re.search(r"仅剩\d+件", card.inner_text())  # "n left"
    name = card.locator(".name").inner_text()
    deal_price = card.locator(".festival-price").evaluate("el => el.lastChild.textContent.trim()")
    card.get_by_role("button", name="加入购物车").click()  # "Add to cart", without leaving the festival
    expect(page.locator(".flash")).to_contain_text("已加入购物车")
    assert "/zh/festivals/" in page.url
    check_accessibility(page)

    page.locator("a.cart-link").click()  # the header's cart, with its count
    line = page.locator("tr", has_text=name)
    expect(line).to_be_visible()
    assert deal_price in line.inner_text(), "the cart keeps the festival price the card showed"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
