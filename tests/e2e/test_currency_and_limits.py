"""A Chinese shopper on a phone buys a festival deal priced in Moroccan dirhams: every amount is in yuan,
marked ≈, the charged currency is stated once in the same words on each page, and the deal line is held
to the one unit the shopper may still buy, with the reason, before the checkout button."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from tests.e2e.live import serving

PASSWORD = "silkroad-browser"
EMAIL = "li.wei@example.com"
CHARGE_NOTE = "以美元（USD）付款；标有≈的金额按存储的汇率换算，仅供参考。"


@pytest.fixture(scope="module")
def deal_server(tmp_path_factory):
    """A live server with a thuya box at MAD 1,110.00, on a live festival deal at MAD 888.00 (at most 2 per
    shopper, of which Li Wei already bought 1), and the rates USD→MAD 9.2 and USD→CNY 7.1."""
    from campaigns.festivals.models import Deal, DealPurchase, DealStatus, Festival, FestivalText, Wave
    from config import DevelopmentConfig
    from marketplace import create_app
    from marketplace.accounts.models import Role, User
    from marketplace.accounts.services import hash_password
    from marketplace.catalog.countries import ensure_countries
    from marketplace.catalog.models import Category, CategoryText, ExchangeRate, Product, ProductStatus, ProductText
    from marketplace.core import clock
    from marketplace.extensions import db
    from marketplace.vendors.models import Store, StoreStatus

    folder = tmp_path_factory.mktemp("currency-live")

    class Config(DevelopmentConfig):
        SECRET_KEY = "browser-test-secret"
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder / 'live.db'}"
        MEDIA_ROOT = str(folder / "media")
        RATELIMIT_ENABLED = False
        MAIL_BACKEND = "memory"
        SEARCH_WARM_UP = False

    app = create_app(Config)
    with app.app_context():
        db.create_all()
        ensure_countries()
        now = clock.now()
        owner = User(email="vendor@example.com", password_hash="x", role=Role.VENDOR)
        shopper = User(email=EMAIL, password_hash=hash_password(PASSWORD), role=Role.SHOPPER, display_name="李伟")
        store = Store(slug="marrakech-wood", name="Marrakech Wood", owner=owner, country_code="MA",
                      status=StoreStatus.APPROVED)
        category = Category(slug="crafts", texts=[CategoryText(language="en", name="Crafts")])
        product = Product(slug="thuya-box", store=store, category=category, price_amount=111000, currency="MAD",
                          stock=40, status=ProductStatus.PUBLISHED,
                          texts=[ProductText(language="en", name="Thuya wood box"),
                                 ProductText(language="zh", name="图雅木首饰盒")])
        festival = Festival(slug="quality-african-products-festival", time_zone="Asia/Shanghai",
                            registration_opens_at=now - timedelta(days=10),
                            registration_closes_at=now - timedelta(days=5),
                            warmup_starts_at=now - timedelta(days=2),
                            texts=[FestivalText(language="en", name="Quality African Products Festival"),
                                   FestivalText(language="zh", name="非洲优质产品节")],
                            waves=[Wave(starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=1))])
        db.session.add_all([shopper, product, festival,
                            ExchangeRate(base="USD", quote="MAD", rate=Decimal("9.2")),
                            ExchangeRate(base="USD", quote="CNY", rate=Decimal("7.1"))])
        db.session.flush()
        deal = Deal(festival_id=festival.id, wave_id=festival.waves[0].id, product_id=product.id,
                    store_id=store.id, price_amount=88800, currency="MAD", cap=10, sold=1, per_shopper_limit=2,
                    status=DealStatus.APPROVED)
        db.session.add(deal)
        db.session.flush()
        db.session.add(DealPurchase(deal_id=deal.id, shopper_id=shopper.id, quantity=1))
        db.session.commit()
    with serving(app) as base_url:
        yield base_url


def charge_notes(page) -> list[str]:
    return [text.strip() for text in page.locator(".charge-note").all_inner_texts()]


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_chinese_shopper_sees_yuan_and_an_honest_deal_limit(deal_server, phone, check_accessibility):
    page = phone
    page.goto(f"{deal_server}/zh/account/login")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.locator("form button[type=submit].primary").click()
    page.wait_for_load_state()

    page.goto(f"{deal_server}/zh/products/thuya-box")
    price = page.locator("article.product .price").inner_text()
    assert "≈ ¥685.29" in price and "MAD" not in price  # MAD 888.00 → US$96.52 → ¥685.29
    assert "每位顾客限购2件——您已购买1件。" in page.locator("article.product").inner_text()
    assert charge_notes(page) == [CHARGE_NOTE]
    assert fits_the_phone(page)
    page.fill("form.add-to-cart input[name=quantity]", "3")
    page.locator("form.add-to-cart button[type=submit]").click()
    page.wait_for_selector(".flash-info")
    assert "每位顾客限购2件——您已购买1件。" in page.locator(".flash-info").inner_text()

    page.goto(f"{deal_server}/zh/cart")
    check_accessibility(page)
    line = page.locator(".cart-lines tbody tr").first
    assert line.locator("input[name=quantity]").input_value() == "1"
    assert "每位顾客限购2件——您已购买1件。" in line.inner_text()
    assert "≈ ¥685.29" in line.inner_text()
    total = page.locator(".cart-total").inner_text()
    assert "应付总额：≈ ¥685.29" in total and "US$96.52" in total
    assert charge_notes(page) == [CHARGE_NOTE]
    reason = page.locator(".note.limit").first.bounding_box()
    button = page.locator(".cart-total a.button").bounding_box()
    assert reason["y"] < button["y"]  # the reason is read before the way to check out
    assert fits_the_phone(page)

    page.locator(".cart-total a.button").click()
    page.wait_for_url("**/zh/checkout")
    check_accessibility(page)
    summary = page.locator(".summary").inner_text()
    assert "1 × ≈ ¥685.29 = ≈ ¥685.29" in summary and "每位顾客限购2件" in summary
    assert "≈ ¥685.29" in page.locator("form.checkout-form button[type=submit]").inner_text()
    assert charge_notes(page) == [CHARGE_NOTE]
    assert fits_the_phone(page)

