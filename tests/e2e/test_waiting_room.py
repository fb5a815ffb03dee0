"""The waiting room on a phone at a wave's opening: a Chinese shopper beyond the rate is sent to a page
that shows their place and reloads itself without a script, the same page reads right to left in Arabic,
and says "sold out" as soon as the deal is gone; staff set it on a laptop.

Screenshots are written only when SHOTS_DIR names a folder (never into the repository).
"""
from __future__ import annotations

import os
import re
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.e2e.live import serving

START = datetime(2032, 6, 1, 12, 0, tzinfo=UTC)
NOW = START + timedelta(minutes=1)


@pytest.fixture(scope="module")
def opening(tmp_path_factory):
    """A live server whose festival's wave is open, with its waiting room on at one checkout a minute."""
    from campaigns.festivals.models import Deal, DealStatus, Festival, FestivalText, Wave
    from config import DevelopmentConfig
    from marketplace import create_app
    from marketplace.accounts.models import Role
    from marketplace.catalog.countries import ensure_countries
    from marketplace.catalog.models import Category, CategoryText, Product, ProductStatus, ProductText
    from marketplace.core import clock
    from marketplace.extensions import db
    from marketplace.vendors.models import Store, StoreStatus
    from tests.factories import create_user

    folder = tmp_path_factory.mktemp("waiting-room-live")

    class Config(DevelopmentConfig):
        SECRET_KEY = "browser-test-secret"
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder / 'live.db'}"
        MEDIA_ROOT = str(folder / "media")
        RATELIMIT_ENABLED = False
        MAIL_BACKEND = "memory"
        SEARCH_WARM_UP = False

    app = create_app(Config)
    with ExitStack() as stack:
        stack.enter_context(clock.freeze(NOW))
        with app.app_context():
            db.create_all()
            ensure_countries()
            owner = create_user(Role.VENDOR)
            store = Store(slug="kivu-coffee", name="Kivu Coffee", owner=owner, country_code="RW",
                          status=StoreStatus.APPROVED)
            category = Category(slug="coffee", texts=[CategoryText(language="en", name="Coffee")])
            product = Product(slug="kivu-coffee-beans", store=store, category=category, price_amount=1000,
                              currency="USD", stock=50, status=ProductStatus.PUBLISHED,
                              texts=[ProductText(language="en", name="Kivu coffee beans, 500 g")])
            festival = Festival(slug="coffee-tea-week", time_zone="Asia/Shanghai", waiting_room=True,
                                waiting_room_rate=1, registration_opens_at=START - timedelta(days=10),
                                registration_closes_at=START - timedelta(days=5),
                                warmup_starts_at=START - timedelta(days=2),
                                texts=[FestivalText(language="en", name="Coffee & Tea Week"),
                                       FestivalText(language="zh", name="咖啡与茶周"),
                                       FestivalText(language="ar", name="أسبوع القهوة والشاي")],
                                waves=[Wave(starts_at=START, ends_at=START + timedelta(hours=6))])
            db.session.add_all([product, festival])
            db.session.flush()
            deal = Deal(festival_id=festival.id, wave_id=festival.waves[0].id, product_id=product.id,
                        store_id=store.id, price_amount=700, currency="USD", cap=20, status=DealStatus.APPROVED)
            db.session.add(deal)
            db.session.commit()
            world = {"product_id": product.id, "deal_id": deal.id, "festival_id": festival.id,
                     "first": create_user().email, "second": create_user().email,
                     "staff": create_user(Role.STAFF).email}
        base_url = stack.enter_context(serving(app))
        yield {"url": base_url, "app": app, **world}


def check_waiting_page_accessibility(page) -> None:
    """axe-core's serious and critical rules, but for `meta-refresh`: reloading by itself is what the waiting
    page is for (it says so, holds no form to lose, and "Check now" reloads at once), as WCAG 2.2.1 allows
    for an essential time limit."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"rules": {"meta-refresh": {"enabled": False}}})
    bad = [v["id"] for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert not bad, f"accessibility violations on {page.url}: {bad}"


def shot(page, name: str) -> None:
    if os.environ.get("SHOTS_DIR"):
        Path(os.environ["SHOTS_DIR"]).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(os.environ["SHOTS_DIR"]) / f"{name}.png"), full_page=True)


def log_in_and_add_the_deal(page, opening: dict, email: str, lang: str) -> None:
    from tests.factories import PASSWORD

    page.goto(f"{opening['url']}/{lang}/account/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit].primary")
    page.goto(f"{opening['url']}/{lang}/festivals/coffee-tea-week")
    page.click(f"button[form=add-deal][value='{opening['product_id']}']")


def test_a_shopper_beyond_the_rate_waits_on_a_phone_in_chinese_and_arabic(opening, browser):
    phone = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True}
    first = browser.new_context(**phone).new_page()
    second = browser.new_context(**phone).new_page()
    log_in_and_add_the_deal(first, opening, opening["first"], "zh")
    first.goto(f"{opening['url']}/zh/checkout")
    assert first.url.endswith("/zh/checkout")  # the line was empty: straight to the checkout

    log_in_and_add_the_deal(second, opening, opening["second"], "zh")
    second.goto(f"{opening['url']}/zh/checkout")
    assert second.url.endswith("/zh/festivals/coffee-tea-week/waiting-room")
    text = second.locator("main").inner_text()
    assert "您在等候室中" in text and "您前面还有 1 位顾客。" in text and "大约 1 分钟后轮到您。" in text
    refresh = second.locator('meta[http-equiv="refresh"]').get_attribute("content")
    assert re.fullmatch(r"\d+", refresh) and 30 <= int(refresh) <= 34
    assert second.evaluate("document.documentElement.scrollWidth") <= 360
    check_waiting_page_accessibility(second)
    shot(second, "waiting-room-zh-360")

    second.goto(f"{opening['url']}/ar/festivals/coffee-tea-week/waiting-room")
    assert second.locator("html").get_attribute("dir") == "rtl"
    assert "أنت في غرفة الانتظار" in second.locator("main").inner_text()
    assert second.evaluate("document.documentElement.scrollWidth") <= 360
    check_waiting_page_accessibility(second)
    shot(second, "waiting-room-ar-360")

    from campaigns.festivals.models import Deal
    from marketplace.extensions import db

    with opening["app"].app_context():
        deal = db.session.get(Deal, opening["deal_id"])
        deal.sold = deal.cap
        db.session.commit()
    second.reload()
    text = second.locator("main").inner_text()
    assert "نفدت عروض المهرجان التي كنت تنتظرها." in text
    assert second.locator('meta[http-equiv="refresh"]').count() == 0
    shot(second, "waiting-room-ar-sold-out-360")
    with opening["app"].app_context():
        deal = db.session.get(Deal, opening["deal_id"])
        deal.sold = 0
        db.session.commit()


def test_staff_set_the_waiting_room_on_a_laptop(opening, browser):
    from tests.factories import PASSWORD

    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{opening['url']}/en/account/login")
    page.fill("input[name=email]", opening["staff"])
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit].primary")
    page.goto(f"{opening['url']}/en/staff/festivals/{opening['festival_id']}")
    settings = page.locator(".waiting-room-settings")
    assert settings.locator("input[name=enabled]").is_checked()
    settings.locator("input[name=rate]").fill("1200")
    settings.locator("button[type=submit]").click()
    assert "The waiting room is on: 1,200 checkouts a minute." in page.locator("main").inner_text()
    shot(page, "waiting-room-staff-settings")
