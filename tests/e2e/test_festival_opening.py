"""A shopper watches a festival open: the deal price appears when the server's clock passes the
start and disappears at the end; the countdown ticks in the browser (site.js, under the CSP).

The server runs in this process, so `clock.freeze` moves its clock too (`server_clock`).
"""
from __future__ import annotations

import re
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.live import serving

START = datetime(2032, 6, 1, 12, 0, tzinfo=UTC)
END = START + timedelta(hours=6)
SECOND = timedelta(seconds=1)


@pytest.fixture(scope="module")
def festival_server(tmp_path_factory):
    """A live server on 127.0.0.1 with one product and one festival deal on it (price $7.00, was $10.00)."""
    from campaigns.festivals.models import Deal, DealStatus, Festival, FestivalText, Wave
    from config import DevelopmentConfig
    from marketplace import create_app
    from marketplace.accounts.models import Role, User
    from marketplace.catalog.countries import ensure_countries
    from marketplace.catalog.models import Category, CategoryText, Product, ProductStatus, ProductText
    from marketplace.extensions import db
    from marketplace.vendors.models import Store, StoreStatus

    folder = tmp_path_factory.mktemp("festival-live")

    class Config(DevelopmentConfig):
        SECRET_KEY = "browser-test-secret"
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder / 'live.db'}"
        MEDIA_ROOT = str(folder / "media")
        RATELIMIT_ENABLED = False
        PAGE_CACHE_SECONDS = 30  # as in production: the boundary must refresh cached pages
        MAIL_BACKEND = "memory"
        SEARCH_WARM_UP = False

    app = create_app(Config)
    with app.app_context():
        db.create_all()
        ensure_countries()
        owner = User(email="vendor@example.com", password_hash="x", role=Role.VENDOR)
        store = Store(slug="kivu-coffee", name="Kivu Coffee", owner=owner, country_code="RW",
                      status=StoreStatus.APPROVED)
        category = Category(slug="coffee", texts=[CategoryText(language="en", name="Coffee")])
        product = Product(slug="kivu-coffee-beans", store=store, category=category, price_amount=1000,
                          currency="USD", stock=50, status=ProductStatus.PUBLISHED,
                          texts=[ProductText(language="en", name="Kivu coffee beans, 500 g")])
        festival = Festival(slug="coffee-tea-week", time_zone="Asia/Shanghai",
                            registration_opens_at=START - timedelta(days=10),
                            registration_closes_at=START - timedelta(days=5),
                            warmup_starts_at=START - timedelta(days=2),
                            texts=[FestivalText(language="en", name="Coffee & Tea Week")],
                            waves=[Wave(starts_at=START, ends_at=END)])
        db.session.add_all([product, festival])
        db.session.flush()
        db.session.add(Deal(festival_id=festival.id, wave_id=festival.waves[0].id, product_id=product.id,
                            store_id=store.id, price_amount=700, currency="USD", cap=20,
                            status=DealStatus.APPROVED))
        db.session.commit()
    with serving(app) as base_url:
        yield base_url


@pytest.fixture
def server_clock():
    """`server_clock(at)` sets the in-process server's clock; the real clock comes back after the test."""
    from marketplace.core import clock

    stack = ExitStack()

    def move_to(at: datetime) -> None:
        stack.close()
        stack.enter_context(clock.freeze(at))

    yield move_to
    stack.close()


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def festival_price(page):
    return page.locator(".festival-price")


def test_the_deal_price_appears_at_the_start_and_disappears_at_the_end(festival_server, server_clock, phone,
                                                                      check_accessibility):
    page = phone
    landing = f"{festival_server}/en/festivals/coffee-tea-week"
    product = f"{festival_server}/en/products/kivu-coffee-beans"

    server_clock(START - 5 * SECOND)
    served = page.goto(landing).text()
    assert "data-cd-clock>00:00:05<" in served  # the server writes the time left: no script needed
    assert festival_price(page).count() == 0
    assert "Festival price revealed at opening" in page.locator(".deal").inner_text()
    countdown = page.locator(".festival-head [data-cd-clock]")
    expect(countdown).to_have_text(re.compile(r"00:00:0[0-3]"), timeout=5000)  # site.js ticks it
    page.goto(product)
    assert "$7.00" not in page.locator(".price").first.inner_text()
    assert "Festival deal opens in" in page.locator(".festival-deal").inner_text()

    server_clock(START)
    page.goto(landing)
    assert festival_price(page).inner_text().strip().endswith("$7.00")
    assert "$10.00" in page.locator(".deal del").inner_text()
    assert "20 left" in page.locator(".deal").inner_text()
    check_accessibility(page)
    page.goto(product)  # a cached catalogue page rendered before the start is not served now
    assert "$7.00" in page.locator(".price").first.inner_text()
    assert "Festival price ends in" in page.locator(".festival-deal").inner_text()

    server_clock(END - SECOND)
    page.reload()
    assert "$7.00" in page.locator(".price").first.inner_text()

    server_clock(END)
    page.reload()
    assert "$7.00" not in page.locator(".price").first.inner_text()
    assert page.locator(".festival-deal").count() == 0
    page.goto(landing)
    assert festival_price(page).count() == 0
    assert "Ended" in page.locator(".festival-head .badge").inner_text()
