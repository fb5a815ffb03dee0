"""Signed-in shoppers get cached pages, with their own name, cart, menus, saved deals and prices filled in."""
from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import text

from campaigns.festivals import reminders
from campaigns.festivals.models import DealPurchase
from marketplace.accounts.models import Role
from marketplace.catalog import services as catalog_services
from marketplace.catalog.models import ProductText
from marketplace.catalog.services import set_exchange_rate
from marketplace.core import clock
from marketplace.extensions import db
from marketplace.orders import cart as carts
from tests.festivals.conftest import WARMUP_STARTS, WAVE1, make_deal, make_festival, staff  # noqa: F401

from .test_page_cache import header_cart_count, placeholders_in

SECOND_OF_WARMUP = WARMUP_STARTS + (WAVE1[0] - WARMUP_STARTS) / 2
DURING_WAVE1 = WAVE1[0] + (WAVE1[1] - WAVE1[0]) / 2


@pytest.fixture
def cached_app(make_app, rate_limit_storage):
    set_exchange_rate("USD", "CNY", "7.1")  # so pages carry the display-currency form and its token
    settings = {"PAGE_CACHE_SECONDS": 30, "WTF_CSRF_ENABLED": True, "PAGE_CACHE_PREFIX": f"srm:test:{uuid.uuid4().hex}:"}
    if rate_limit_storage.startswith("redis"):
        settings["REDIS_URL"] = rate_limit_storage
    return make_app(**settings)


def signed_in(app, user):
    """A client of `app` whose session is `user`'s, as a log-in leaves it."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = user.get_id(), True
    return client


def menu_name(html: str) -> str:
    return re.search(r'<bdi class="meta signed-in-as">([^<]*)</bdi>', html).group(1)


def renders_of(monkeypatch) -> list[str]:
    """The product pages rendered from the database (not served from the cache) from now on, by slug."""
    rendered = []
    original = catalog_services.get_visible_product

    def counting(slug):
        rendered.append(slug)
        return original(slug)

    monkeypatch.setattr(catalog_services, "get_visible_product", counting)
    return rendered


def test_two_shoppers_share_one_kept_page_each_with_their_own_name_and_cart(cached_app, make_product, make_user,
                                                                             monkeypatch):
    product, other = make_product(featured=True), make_product()
    amina = make_user(display_name="Amina <Diallo>")
    wei = make_user(display_name="王伟")
    carts.add_item(amina, None, product.id, 1)
    carts.add_item(amina, None, other.id, 2)
    rendered = renders_of(monkeypatch)
    url = f"/en/products/{product.slug}"
    first = signed_in(cached_app, amina).get(url)
    second = signed_in(cached_app, wei).get(url)
    assert rendered == [product.slug]  # rendered once, for Amina; Wei got the kept copy
    for response, name, count in ((first, "Amina &lt;Diallo&gt;", "2"), (second, "王伟", "0")):
        html = response.get_data(as_text=True)
        assert menu_name(html) == name and header_cart_count(html) == count
        assert not placeholders_in(cached_app, html)
        assert not any(marker in html for marker in cached_app.extensions["page_cache"].values)
        assert response.headers["Cache-Control"] == "private"
    assert "Amina" not in second.get_data(as_text=True)
    anonymous = cached_app.test_client().get(url).get_data(as_text=True)
    assert "Amina" not in anonymous and "王伟" not in anonymous and "Log in" in anonymous
    assert "Log out" not in anonymous and header_cart_count(anonymous) == "0"


@pytest.mark.parametrize("role, own, foreign", [
    (Role.SHOPPER, ("My orders",), ("My store", ">Staff<")),
    (Role.VENDOR, ("My store",), ("My orders", ">Staff<")),
    (Role.STAFF, (">Staff<",), ("My orders", "My store")),
    (Role.ADMIN, (">Staff<",), ("My orders", "My store")),
])
def test_each_role_gets_its_own_menus_whoever_filled_the_cache(cached_app, make_product, make_user, role, own,
                                                              foreign):
    product = make_product(featured=True)
    url = f"/en/products/{product.slug}"
    for other in Role:  # every other role's copy is kept first
        if other != role:
            signed_in(cached_app, make_user(role=other)).get(url)
    html = signed_in(cached_app, make_user(role=role, display_name=f"A {role.value}")).get(url).get_data(as_text=True)
    assert menu_name(html) == f"A {role.value}" and "Log out" in html
    assert all(text in html for text in own) and not any(text in html for text in foreign)


def test_the_token_on_a_cached_page_is_the_signed_in_shoppers_own_and_the_currency_switch_holds(
        cached_app, make_product, make_user):
    product = make_product(featured=True, price=1000)
    amina, wei = signed_in(cached_app, make_user()), signed_in(cached_app, make_user())
    url = f"/en/products/{product.slug}"
    wei.get(url)  # Wei's visit keeps the page
    html = amina.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    refused = wei.post("/en/display-currency", data={"currency": "CNY", "next": url, "csrf_token": token})
    assert refused.status_code in (302, 400) and "CN¥" not in wei.get(url).get_data(as_text=True)
    response = amina.post("/en/display-currency", data={"currency": "CNY", "next": url, "csrf_token": token})
    assert response.status_code == 302
    in_yuan = amina.get(url).get_data(as_text=True)
    assert "CN¥" in in_yuan and '<option value="CNY" selected>' in in_yuan
    assert "CN¥" not in wei.get(url).get_data(as_text=True)  # Wei still reads the seller's currency


def test_a_catalogue_change_reaches_signed_in_shoppers_at_once(cached_app, make_product, make_user):
    product = make_product(name="Old name", featured=True)
    client = signed_in(cached_app, make_user())
    url = f"/en/products/{product.slug}"
    assert "Old name" in client.get(url).get_data(as_text=True)
    with cached_app.app_context():
        db.session.query(ProductText).filter_by(product_id=product.id).one().name = "New name"
        db.session.commit()
    assert "New name" in client.get(url).get_data(as_text=True)


def test_saved_deals_on_a_cached_page_are_each_shoppers_own(
        cached_app, make_festival, make_deal, make_user):  # noqa: F811
    festival = make_festival()
    saved, other = make_deal(festival, name="Kenyan AA beans"), make_deal(festival, name="Rooibos tea")
    saver, browser = make_user(), make_user()
    with clock.freeze(SECOND_OF_WARMUP):
        reminders.save_deal(saver, saved, "en")
        pages = {}
        for name, client in (("browser", signed_in(cached_app, browser)), ("saver", signed_in(cached_app, saver)),
                             ("visitor", cached_app.test_client())):
            for _ in range(2):  # the second from the cache
                html = client.get("/en/").get_data(as_text=True)
            pages[name] = html

    def card(html: str, deal_id: int) -> str:
        return re.search(rf'<li class="card deal[^"]*" data-deal="{deal_id}">(.*?)</li>', html, re.DOTALL).group(1)

    assert "Saved" in card(pages["saver"], saved.id) and "Save and remind me" not in card(pages["saver"], saved.id)
    assert "Save and remind me" in card(pages["saver"], other.id)
    for name in ("browser", "visitor"):
        assert "Saved" not in pages[name] and "Save and remind me" in card(pages[name], saved.id)
    for html in pages.values():
        assert not any(marker in html for marker in cached_app.extensions["page_cache"].switches)


def test_a_shopper_past_a_deals_limit_is_not_shown_its_festival_price(
        cached_app, make_festival, make_deal, make_product, make_user):  # noqa: F811
    festival = make_festival()
    product = make_product(price=1000, stock=50, name="Ethiopian Yirgacheffe")
    deal = make_deal(festival, product=product, price=700, limit=1)
    reached, fresh = make_user(), make_user()
    db.session.add(DealPurchase(deal_id=deal.id, shopper_id=reached.id, quantity=1))
    db.session.commit()
    url = f"/en/products/{product.slug}"
    with clock.freeze(DURING_WAVE1):
        fresh_page = signed_in(cached_app, fresh).get(url).get_data(as_text=True)
        reached_page = signed_in(cached_app, reached).get(url).get_data(as_text=True)
        again = signed_in(cached_app, make_user()).get(url).get_data(as_text=True)
    assert "7.00" in fresh_page and "7.00" in again
    assert "7.00" not in reached_page and "10.00" in reached_page
    # The fresh shopper buys their one unit: their next page is no longer the shared copy.
    db.session.add(DealPurchase(deal_id=deal.id, shopper_id=fresh.id, quantity=1))
    db.session.commit()
    with clock.freeze(DURING_WAVE1):
        after = signed_in(cached_app, fresh).get(url).get_data(as_text=True)
    assert "7.00" not in after and "10.00" in after


def test_a_cached_festival_page_shows_the_units_left_of_each_response(
        cached_app, make_festival, make_deal, make_user):  # noqa: F811
    festival = make_festival()
    deal = make_deal(festival, cap=10, name="Kenyan AA beans")
    other = make_user()
    url = f"/en/festivals/{festival.slug}"
    with clock.freeze(DURING_WAVE1):
        first = signed_in(cached_app, other).get(url).get_data(as_text=True)
        # A sale written outside the application's session: the kept page is not refreshed, yet the
        # units left are read for every response.
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE festival_deals SET sold = 3 WHERE id = :id"), {"id": deal.id})
        second = signed_in(cached_app, make_user()).get(url).get_data(as_text=True)
    assert "10 left" in first and "7 left" in second
    assert '<meter min="0" max="10" value="7">7 / 10</meter>' in second
    for html in (first, second):
        assert not placeholders_in(cached_app, html) and "srm-left-" not in html


def test_the_reminder_on_a_cached_festival_page_is_each_viewers_own(cached_app, make_festival, make_user):  # noqa: F811
    festival = make_festival()
    reminded, other = make_user(), make_user()
    url = f"/en/festivals/{festival.slug}"
    with clock.freeze(SECOND_OF_WARMUP):
        reminders.remind_festival(reminded, festival, "en")
        pages = {name: client.get(url).get_data(as_text=True) for name, client in (
            ("other", signed_in(cached_app, other)), ("reminded", signed_in(cached_app, reminded)),
            ("visitor", cached_app.test_client()))}
    assert "You will get an e-mail before it opens." in pages["reminded"]
    assert "Remind me before it opens" not in pages["reminded"]
    for name in ("other", "visitor"):
        assert "Remind me before it opens" in pages[name] and "You will get an e-mail" not in pages[name]


def test_a_listing_card_shows_its_new_price_name_and_stock_at_once(client, make_product, make_category):
    category = make_category()
    product = make_product(name="Shea butter", category=category, price=1250, stock=4)
    url = f"/en/categories/{category.slug}"
    html = client.get(url).get_data(as_text=True)
    assert "Shea butter" in html and "12.50" in html and "Sold out" not in html
    product.price_amount, product.stock = 1390, 0
    db.session.query(ProductText).filter_by(product_id=product.id).one().name = "Raw shea butter"
    db.session.commit()
    html = client.get(url).get_data(as_text=True)
    assert "Raw shea butter" in html and "13.90" in html and "12.50" not in html and "Sold out" in html
