"""The festival where a shopper looks: the home hero, the main menu, deal cards, and intent kept through log-in."""
from __future__ import annotations

import os
import re
import uuid
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from sqlalchemy import select

from campaigns.festivals import intents
from campaigns.festivals.models import Reminder
from marketplace.accounts.models import Role
from marketplace.core import clock
from marketplace.extensions import db
from marketplace.orders.models import CartItem
from tests.factories import PASSWORD
from tests.festivals.conftest import REGISTRATION_CLOSES, REGISTRATION_OPENS, SECOND, WARMUP_STARTS, WAVE1, WAVE2

LIVE = WAVE1[0] + timedelta(hours=1)
WARM_UP = WARMUP_STARTS + timedelta(hours=1)


@pytest.fixture
def festival_with_deals(make_festival, make_deal):
    festival = make_festival()
    deal = make_deal(festival, price=700, cap=12, limit=2, name="Kente scarf")
    later = make_deal(festival, wave_index=1, price=900, cap=3, name="Shea butter")
    return festival, deal, later


def hero(page: str) -> str:
    """The home page's festival hero, or "" when there is none."""
    found = re.search(r'<section class="festival-hero".*?</section>', page, re.S)
    return found.group(0) if found else ""


def countdown_target(html: str) -> str:
    return re.search(r'data-countdown data-now="[^"]*" data-target="([^"]+)"', html).group(1)


def test_home_hero_shows_the_live_festival_with_its_deals(client, festival_with_deals):
    festival, deal, _later = festival_with_deals
    with clock.freeze(LIVE):
        section = hero(client.get("/en/").get_data(as_text=True))
    assert "Coffee &amp; Tea Week" in section and f'href="/en/festivals/{festival.slug}"' in section
    assert "Ends in" in section and countdown_target(section) == WAVE1[1].isoformat()
    assert "<span data-cd-clock>23:00:00</span>" in section, "the time left is written by the server"
    assert "$7.00" in section and re.search(r"<del>.*\$10\.00", section, re.S) and "-30%" in section
    assert "12 left" in section and "max 2 each" in section
    assert f'form="add-deal" name="product_id" value="{deal.product_id}"' in section
    assert section.index("Kente scarf") < section.index("Shea butter"), "deals on sale now come first"


def test_home_hero_counts_to_the_next_wave_not_to_the_registration_close(client, festival_with_deals):
    _festival, _deal, _later = festival_with_deals
    with clock.freeze(WARM_UP):
        section = hero(client.get("/en/").get_data(as_text=True))
    assert "Wave 1 opens in" in section and countdown_target(section) == WAVE1[0].isoformat()
    assert "$7.00" not in section and "Festival price revealed at opening" in section
    assert 'form="add-deal"' not in section, "nothing to add before the wave opens"
    with clock.freeze(WAVE1[1] + SECOND):
        section = hero(client.get("/en/").get_data(as_text=True))
    assert "Wave 2 opens in" in section and countdown_target(section) == WAVE2[0].isoformat()
    assert "Shea butter" in section and "Kente scarf" not in section, "the strip leaves out waves already over"


def test_home_has_no_hero_without_a_festival_open_or_coming(client, festival_with_deals):
    assert 'class="festival-hero"' not in client.get("/en/").get_data(as_text=True)
    with clock.freeze(REGISTRATION_OPENS + SECOND):  # vendors are still entering deals: not public yet
        assert 'class="festival-hero"' not in client.get("/en/").get_data(as_text=True)
    with clock.freeze(WAVE2[1]):
        assert 'class="festival-hero"' not in client.get("/en/").get_data(as_text=True)


def test_home_prefers_the_live_festival_to_the_next_one(client, make_festival):
    make_festival(slug="next-one", names={"en": "Next Festival"}, warmup=WARMUP_STARTS)
    day = timedelta(days=1)
    make_festival(slug="live-one", names={"en": "Live Festival"},
                  waves=((WAVE1[0] - day, WAVE1[1]),), warmup=WARMUP_STARTS - day)
    with clock.freeze(WAVE1[0] - timedelta(hours=1)):
        section = hero(client.get("/en/").get_data(as_text=True))
    assert "Live Festival" in section and "Next Festival" not in section


def test_home_lists_products_before_store_stories(client, make_product, make_store):
    make_product(name="Rooibos tea", featured=True, store=make_store(featured=True))
    page = client.get("/en/").get_data(as_text=True)
    assert page.index("Rooibos tea") < page.index("Featured stores")


PAGE_STORES = ["memory"] + (["redis"] if os.environ.get("TEST_REDIS_URL") else [])


@pytest.mark.parametrize("store", PAGE_STORES)
def test_cached_home_page_counts_down_from_the_moment_it_is_served(make_app, festival_with_deals, store, request):
    shared = {"REDIS_URL": os.environ.get("TEST_REDIS_URL", ""), "PAGE_CACHE_PREFIX": f"srm-test-{uuid.uuid4().hex}:"}
    app = make_app(PAGE_CACHE_SECONDS=300, **(shared if store == "redis" else {}))
    client = app.test_client()
    if store == "redis":
        store_ = app.extensions["page_cache"].store

        def forget_test_keys() -> None:
            for key in store_.client.scan_iter(shared["PAGE_CACHE_PREFIX"] + "*"):
                store_.client.delete(key)

        request.addfinalizer(forget_test_keys)
    with clock.freeze(WARM_UP):
        first = client.get("/en/").get_data(as_text=True)
    with clock.freeze(WARM_UP + timedelta(seconds=20)):
        again = client.get("/en/").get_data(as_text=True)
    assert "<span data-cd-clock>" in first and "srm-cd-" not in first + again
    assert f'data-now="{WARM_UP.isoformat()}"' in first
    assert f'data-now="{(WARM_UP + timedelta(seconds=20)).isoformat()}"' in again
    days = (WAVE1[0] - WARM_UP).days
    assert f"<span data-cd-days>{days}d</span>" in again and "<span data-cd-clock>22:59:40</span>" in again
    with clock.freeze(WAVE1[0]):  # the wave opens: the cached page is replaced, prices and all
        opened = hero(client.get("/en/").get_data(as_text=True))
    assert "Ends in" in opened and "$7.00" in opened and countdown_target(opened) == WAVE1[1].isoformat()


def test_festival_page_before_warm_up_counts_to_wave_one_not_the_registration_close(client, login, make_user,
                                                                                      festival_with_deals):
    festival, _deal, _later = festival_with_deals
    login(make_user(role=Role.STAFF))  # only staff see a festival before its warm-up
    for at in (REGISTRATION_OPENS + SECOND, REGISTRATION_CLOSES + SECOND, WARM_UP):
        with clock.freeze(at):
            page = client.get(f"/en/festivals/{festival.slug}").get_data(as_text=True)
        assert countdown_target(page) == WAVE1[0].isoformat(), at
        assert "Wave 1 opens in" in page


def test_main_menu_links_to_the_festivals(client):
    page = client.get("/zh/").get_data(as_text=True)
    menu = re.search(r'<nav class="primary".*?</nav>', page, re.S).group(0)
    assert 'href="/zh/festivals/"' in menu


def test_a_deal_card_adds_the_deal_to_the_cart(client, festival_with_deals):
    festival, deal, _later = festival_with_deals
    with clock.freeze(LIVE):
        page = client.get(f"/en/festivals/{festival.slug}").get_data(as_text=True)
        form = re.search(r'<form method="post" id="add-deal" action="([^"]+)" hidden>(.*?)</form>', page, re.S)
        fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form.group(2)))
        button = re.search(r'form="add-deal" name="product_id" value="(\d+)"', page)
        fields["product_id"] = button.group(1)
        response = client.post(form.group(1), data=fields)
        assert urlsplit(response.headers["Location"]).path == f"/en/festivals/{festival.slug}"
        cart = client.get("/en/cart").get_data(as_text=True)
    assert "Kente scarf" in cart and "$7.00" in cart
    assert [(i.product_id, i.quantity, i.seen_amount) for i in db.session.scalars(select(CartItem))] == [
        (deal.product_id, 1, 700)]


def test_sold_out_deal_card_says_so_and_offers_no_button(client, festival_with_deals):
    festival, deal, _later = festival_with_deals
    deal.sold = deal.cap
    db.session.commit()
    with clock.freeze(LIVE):
        page = client.get(f"/en/festivals/{festival.slug}").get_data(as_text=True)
    card = re.search(rf'<li class="card deal sold-out" data-deal="{deal.id}">.*?</li>', page, re.S).group(0)
    assert "Sold out" in card and "add-deal" not in card and "left" not in card


def reminders_of(user_id: int) -> list[str]:
    db.session.expire_all()
    return sorted(db.session.scalars(select(Reminder.subject).where(Reminder.user_id == user_id)))


def log_in_after(client, response, user) -> str:
    """Follow a visitor's redirect to the log-in page, log in there, and return where log-in sends them."""
    login_url = response.headers["Location"]
    assert urlsplit(login_url).path == "/en/account/login"
    page = client.get(login_url).get_data(as_text=True)
    assert "we will finish this for you" in page
    next_url = unescape(re.search(r'<input[^>]*name="next"[^>]*value="([^"]*)"', page).group(1))
    assert next_url == parse_qs(urlsplit(login_url).query)["next"][0]
    logged_in = client.post(login_url, data={"email": user.email, "password": PASSWORD, "next": next_url})
    return logged_in.headers["Location"]


@pytest.mark.parametrize("action", ["remind", "save"])
def test_remind_and_save_complete_after_log_in(client, make_user, festival_with_deals, action):
    festival, deal, _later = festival_with_deals
    user = make_user()
    url = f"/en/festivals/{festival.slug}/remind" if action == "remind" else f"/en/festivals/deals/{deal.id}/save"
    with clock.freeze(WARM_UP):
        response = client.post(url)
        assert response.status_code == 302 and client.get_cookie(intents.COOKIE) is not None
        target = log_in_after(client, response, user)
        assert urlsplit(target).path.startswith("/en/festivals/continue/")
        done = client.get(target)
        assert urlsplit(done.headers["Location"]).path == f"/en/festivals/{festival.slug}"
        page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert reminders_of(user.id) == [f"festival:{festival.id}" if action == "remind" else f"deal:{deal.id}"]
    assert "we will e-mail you before it opens." in page.lower()
    assert client.get_cookie(intents.COOKIE) is None, "the intent is used once"


def test_intent_survives_signing_up_instead(client, festival_with_deals):
    festival, deal, _later = festival_with_deals
    with clock.freeze(WARM_UP):
        response = client.post(f"/en/festivals/deals/{deal.id}/save")
        login_page = client.get(response.headers["Location"]).get_data(as_text=True)
        signup_url = unescape(re.search(r'href="(/en/account/signup\?next=[^"]+)"', login_page).group(1))
        created = client.post(signup_url, data={"email": "new@example.com", "display_name": "Lin",
                                                "password": "a long enough password", "confirm": "a long enough password"})
        assert urlsplit(created.headers["Location"]).path.startswith("/en/festivals/continue/")
        client.get(created.headers["Location"])
    from marketplace.accounts.models import User
    user = db.session.scalars(select(User).where(User.email == "new@example.com")).one()
    assert reminders_of(user.id) == [f"deal:{deal.id}"]


def test_a_tampered_or_expired_intent_is_ignored_with_a_message(client, login, make_user, festival_with_deals,
                                                                 monkeypatch):
    festival, _deal, _later = festival_with_deals
    user = make_user()
    with clock.freeze(WARM_UP):
        response = client.post(f"/en/festivals/{festival.slug}/remind")
        token = urlsplit(log_in_after(client, response, user)).path.rsplit("/", 1)[1]
        forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
        refused = client.get(f"/en/festivals/continue/{forged}")
        assert refused.status_code == 302 and urlsplit(refused.headers["Location"]).path == "/en/festivals/"
        assert "That link is not valid" in client.get("/en/festivals/").get_data(as_text=True)
        monkeypatch.setattr(intents, "MAX_AGE_SECONDS", -1)
        client.get(f"/en/festivals/continue/{token}")
        assert "That request has expired" in client.get("/en/festivals/").get_data(as_text=True)
    assert reminders_of(user.id) == []


def test_an_intent_link_from_elsewhere_only_asks_to_confirm(client, make_app, login, make_user, festival_with_deals):
    festival, _deal, _later = festival_with_deals
    with clock.freeze(WARM_UP):
        response = make_app().test_client().post(f"/en/festivals/{festival.slug}/remind")  # another browser
        next_url = re.search(r"next=([^&]+)", response.headers["Location"]).group(1)
        user = make_user()
        login(user)
        page = client.get(unquote(next_url))
        assert page.status_code == 200 and "Get an e-mail before this festival opens?" in page.get_data(as_text=True)
        assert reminders_of(user.id) == [], "a link alone does nothing"
        confirmed = client.post(unquote(next_url))
        assert urlsplit(confirmed.headers["Location"]).path == f"/en/festivals/{festival.slug}"
    assert reminders_of(user.id) == [f"festival:{festival.id}"]


def test_festival_index_counts_to_the_next_wave_between_waves(client, festival_with_deals):
    festival, _deal, _later = festival_with_deals
    with clock.freeze(WAVE1[1] + SECOND):
        page = client.get("/en/festivals/").get_data(as_text=True)
    tile = re.search(rf'<li class="festival-tile">.*?/en/festivals/{festival.slug}.*?</li>', page, re.S).group(0)
    assert "Wave 2 opens in" in tile and countdown_target(tile) == WAVE2[0].isoformat()


def test_a_deal_added_from_the_cached_home_page_passes_the_csrf_check(make_app, festival_with_deals):
    _festival, deal, _later = festival_with_deals
    app = make_app(PAGE_CACHE_SECONDS=300, WTF_CSRF_ENABLED=True)
    with clock.freeze(LIVE):
        app.test_client().get("/en/")  # another visitor's visit puts the page in the cache
        client = app.test_client()
        page = client.get("/en/").get_data(as_text=True)
        form = re.search(r'<form method="post" id="add-deal" action="([^"]+)" hidden>(.*?)</form>', page, re.S)
        fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form.group(2)), product_id=str(deal.product_id))
        assert "srm-csrf-" not in fields["csrf_token"]
        response = client.post(form.group(1), data=fields)
        assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/en/"
        assert "Added to your cart." in client.get("/en/").get_data(as_text=True)
    assert [(i.product_id, i.quantity) for i in db.session.scalars(select(CartItem))] == [(deal.product_id, 1)]
