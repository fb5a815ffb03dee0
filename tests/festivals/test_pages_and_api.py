"""Festival pages, the product-page include, the API, and cached catalogue pages at deal boundaries."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from campaigns.festivals.models import Festival
from marketplace.accounts.models import Role
from marketplace.core import clock
from marketplace.core.i18n import LANGUAGES
from marketplace.extensions import db
from tests.festivals.conftest import REGISTRATION_OPENS, SECOND, WARMUP_STARTS, WAVE1, WAVE2

LIVE = WAVE1[0] + timedelta(hours=1)


@pytest.fixture
def live_festival(make_festival, make_deal):
    festival = make_festival(zone="Africa/Lagos")
    deal = make_deal(festival, price=700, cap=5)
    sold_out = make_deal(festival, price=600, cap=2)
    sold_out.sold = 2
    db.session.commit()
    return festival, deal, sold_out


def test_landing_page_shows_deal_prices_only_while_live(client, live_festival):
    festival, deal, _sold_out = live_festival
    url = f"/en/festivals/{festival.slug}"
    with clock.freeze(REGISTRATION_OPENS + SECOND):
        assert client.get(url).status_code == 404, "not shown to shoppers before the warm-up"
    with clock.freeze(WAVE1[0] - SECOND):
        page = client.get(url).get_data(as_text=True)
        assert "$7.00" not in page and "Festival price revealed at opening" in page
        assert f'data-target="{WAVE1[0].isoformat()}"' in page and "Remind me before it opens" in page
        assert 'data-cd-clock>00:00:01<' in page
    with clock.freeze(WAVE1[0]):
        page = client.get(url).get_data(as_text=True)
        assert "$7.00" in page and "<del>" in page and "5 left" in page and "Sold out" in page
        assert f'data-now="{WAVE1[0].isoformat()}"' in page
        assert "$6.00" not in page, "a sold-out deal shows no festival price"
    with clock.freeze(WAVE1[1]):
        assert "$7.00" not in client.get(url).get_data(as_text=True)
    with clock.freeze(WAVE2[1] + SECOND):
        page = client.get(url).get_data(as_text=True)
        assert "Results" in page and "2 units sold" in page


def test_times_show_in_the_shoppers_zone_beside_the_festivals(client, live_festival):
    festival, _deal, _ = live_festival

    def wave_times() -> str:
        page = client.get(f"/en/festivals/{festival.slug}").get_data(as_text=True)
        assert "Africa/" not in page.replace('value="Africa/', "")  # zone ids only as form values
        return " ".join(re.findall(r'<span class="when">([^<]*)</span>', page))

    with clock.freeze(WARMUP_STARTS + SECOND):
        assert "Lagos Time" in wave_times() and "your time" not in wave_times()
        client.post("/en/festivals/settings/time-zone", data={"tz": "Asia/Shanghai"})
        assert "Lagos Time" in wave_times() and "your time" in wave_times()
        client.post("/en/festivals/settings/time-zone", data={"tz": "Mars/Olympus"})
        assert "your time" in wave_times()
        assert '<option value="Asia/Shanghai" selected>Shanghai Time</option>' in client.get(
            f"/en/festivals/{festival.slug}").get_data(as_text=True)


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_landing_and_index_in_every_language(client, live_festival, lang):
    festival, _deal, _ = live_festival
    with clock.freeze(LIVE):
        page = client.get(f"/{lang}/festivals/{festival.slug}")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert ("咖啡与茶周" if lang == "zh" else "Coffee &amp; Tea Week") in text
        assert festival.slug in client.get(f"/{lang}/festivals/").get_data(as_text=True)


def test_index_groups_live_upcoming_and_past(client, make_festival):
    day = timedelta(days=1)
    make_festival(slug="live-one", waves=((WAVE1[0] - day, WAVE1[1]),))
    make_festival(slug="soon-one", waves=((WAVE1[0] + 5 * day, WAVE1[1] + 5 * day),))
    make_festival(slug="old-one", waves=((WAVE1[0] - 3 * day, WAVE1[0] - 2 * day),), warmup=WAVE1[0] - 4 * day)
    with clock.freeze(WAVE1[0]):
        page = client.get("/en/festivals/").get_data(as_text=True)
    assert page.index("live-one") < page.index("soon-one") < page.index("old-one")


def test_product_page_mentions_the_deal_with_a_countdown(client, live_festival):
    festival, deal, _ = live_festival
    url = f"/en/products/{deal.product.slug}"
    with clock.freeze(WAVE1[0] - timedelta(hours=2)):
        page = client.get(url).get_data(as_text=True)
        assert "Festival deal opens in" in page and "$7.00" not in page
    with clock.freeze(LIVE):
        page = client.get(url).get_data(as_text=True)
        assert "Festival price ends in" in page and "$7.00" in page
        assert f'data-target="{WAVE1[1].isoformat()}"' in page
    with clock.freeze(WAVE2[1]):
        page = client.get(url).get_data(as_text=True)
        assert 'class="festival-deal' not in page and "$7.00" not in page  # ("Festivals" is in the main menu)


def test_cached_catalogue_pages_never_show_a_deal_price_past_its_end(make_app, live_festival):
    _festival, deal, _ = live_festival
    app = make_app(PAGE_CACHE_SECONDS=300)
    client = app.test_client()
    url = f"/en/products/{deal.product.slug}"
    with clock.freeze(WAVE1[0] - SECOND):
        assert "$7.00" not in client.get(url).get_data(as_text=True)
    with clock.freeze(WAVE1[0]):
        assert "$7.00" in client.get(url).get_data(as_text=True)
    with clock.freeze(WAVE1[1] - SECOND):
        assert "$7.00" in client.get(url).get_data(as_text=True)  # served from the cache
    with clock.freeze(WAVE1[1]):
        assert "$7.00" not in client.get(url).get_data(as_text=True)


def test_each_app_keeps_its_own_page_cache_boundaries_and_deal_card_pieces(make_app, live_festival):
    first, second = make_app(PAGE_CACHE_SECONDS=300), make_app(PAGE_CACHE_SECONDS=300)
    for name in ("page_cache", "festival_boundaries", "festival_fragments"):
        assert first.extensions[name] is not second.extensions[name]
    assert {"festivals", "festival_waves", "festival_deals"} <= first.extensions["page_cache"].watched
    with clock.freeze(WAVE1[0]):
        assert "$7.00" in first.test_client().get("/en/").text
    assert first.extensions["festival_fragments"].cards.entries  # kept by the app that rendered them
    assert not second.extensions["festival_fragments"].cards.entries


def test_a_sale_that_sells_a_deal_out_refreshes_cached_pages(make_app, live_festival, make_user):
    from campaigns.festivals.reservations import reserve_deal_units

    _festival, deal, _ = live_festival
    app = make_app(PAGE_CACHE_SECONDS=300)
    client = app.test_client()
    url = f"/en/products/{deal.product.slug}"
    with clock.freeze(LIVE):
        assert "$7.00" in client.get(url).get_data(as_text=True)
        with app.app_context():
            reserve_deal_units(deal.id, make_user().id, 4, LIVE)
        assert "$7.00" in client.get(url).get_data(as_text=True), "a sale that leaves units keeps the page"
        with app.app_context():
            reserve_deal_units(deal.id, make_user().id, 1, LIVE)
        assert "$7.00" not in client.get(url).get_data(as_text=True)


def test_a_sale_refreshes_no_kept_page_yet_each_response_counts_what_is_left(make_app, live_festival, make_user):
    """At an opening every order would otherwise throw away every kept page: a sale only changes counts, which a
    kept page fills in per response (deal units) or shows in bands (stock); crossing into "a few left" or "sold
    out" refreshes pages."""
    from campaigns.festivals.reservations import reserve_deal_units
    from marketplace.orders.holds.stock import LineHold, take_stock

    _festival, deal, _ = live_festival
    app = make_app(PAGE_CACHE_SECONDS=300)
    cache, client = app.extensions["page_cache"], app.test_client()
    url = f"/en/products/{deal.product.slug}"

    def sell(quantity: int, units: int = 0) -> None:
        with app.app_context():
            assert take_stock([LineHold(deal.product_id, quantity)]) == []
            if units:
                reserve_deal_units(deal.id, make_user().id, units, LIVE)  # commits
            db.session.commit()

    with clock.freeze(LIVE):
        page = client.get(url).text
        assert "5 left at the festival price" in page and "In stock" in page and 'max="99"' in page
        with app.app_context():
            kept = cache.version()
        sell(2, units=2)
        page = client.get(url).text
        assert "3 left at the festival price" in page and "In stock" in page  # from the kept page, filled in
        with app.app_context():
            assert cache.version() == kept, "a sale leaving more than a few refreshes no page"
        sell(50 - 2 - 10)  # 10 left: the page now counts them
        page = client.get(url).text
        assert "10 in stock" in page and 'max="10"' in page and "3 left at the festival price" in page
        with app.app_context():
            assert cache.version() != kept
        sell(10)
        assert "Sold out" in client.get(url).text


def test_api_lists_festivals_and_shows_deals_with_caps_left(client, live_festival):
    festival, deal, sold_out = live_festival
    with clock.freeze(LIVE):
        listed = client.get("/api/v1/festivals?status=live").get_json()
        assert [f["slug"] for f in listed["items"]] == [festival.slug] and listed["now"].startswith("2031-03-17")
        assert client.get("/api/v1/festivals?status=past").get_json()["items"] == []
        detail = client.get(f"/api/v1/festivals/{festival.slug}?lang=zh").get_json()
    assert detail["festival"]["name"] == "咖啡与茶周" and detail["festival"]["phase"] == "live"
    deals = {d["id"]: d for d in detail["festival"]["waves"][0]["deals"]}
    assert deals[deal.id]["festival_price"] == {"amount": 700, "currency": "USD", "formatted": "US$7.00"}
    assert deals[deal.id]["left"] == 5
    assert deals[sold_out.id]["sold_out"] and deals[sold_out.id]["festival_price"] is None
    with clock.freeze(WAVE1[0] - SECOND):
        early = client.get(f"/api/v1/festivals/{festival.slug}").get_json()
    assert all(d["festival_price"] is None for d in early["festival"]["waves"][0]["deals"])


def test_api_errors_use_the_shared_json_shape(client, live_festival):
    bad = client.get("/api/v1/festivals?status=soon")
    assert bad.status_code == 422 and set(bad.get_json()["error"]) == {"code", "message", "fields"}
    missing = client.get("/api/v1/festivals/no-such-festival")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    assert client.post("/api/v1/festivals").status_code == 405


def test_staff_schedule_through_the_form_and_see_the_calendar(client, login, staff):
    login(staff)
    form = {
        "name_en": "Tourism Week", "original_language": "en", "time_zone": "Africa/Nairobi", "theme_en": "Tourism",
        "registration_opens": "2031-05-01T09:00", "registration_closes": "2031-05-10T18:00",
        "warmup_starts": "2031-05-15T09:00", "wave_0_starts": "2031-05-20T20:00", "wave_0_ends": "2031-05-22T20:00",
    }
    with clock.freeze(REGISTRATION_OPENS):
        bad = client.post("/en/staff/festivals/new", data={**form, "time_zone": "Africa/Atlantis"})
        assert bad.status_code == 422 and "Africa/Atlantis" in bad.get_data(as_text=True)
        response = client.post("/en/staff/festivals/new", data=form)
        assert response.status_code == 302
        festival = db.session.query(Festival).one()
        assert clock.to_utc(festival.waves[0].starts_at).hour == 17
        calendar = client.get("/en/staff/festivals/?month=2031-05").get_data(as_text=True)
        assert "Tourism Week" in calendar
        edit = client.get(f"/en/staff/festivals/{festival.id}/edit").get_data(as_text=True)
        assert 'value="2031-05-20T20:00"' in edit


def test_vendors_enter_products_through_the_form(client, login, make_user, make_store, make_product, make_festival):
    vendor = make_user(role=Role.VENDOR)
    product = make_product(store=make_store(owner=vendor), price=5000, stock=20)
    festival = make_festival()
    login(vendor)
    with clock.freeze(REGISTRATION_OPENS + SECOND):
        page = client.get(f"/en/vendor/festivals/{festival.slug}/enter")
        assert page.status_code == 200
        wave_id = sorted(festival.waves, key=lambda w: w.starts_at)[0].id
        data = {"wave_id": wave_id, "product_id": product.id, "price": "60", "cap": 5}
        refused = client.post(f"/en/vendor/festivals/{festival.slug}/enter", data=data)
        assert refused.status_code == 422 and "lowest price of the last 30 days" in refused.get_data(as_text=True)
        assert client.post(f"/en/vendor/festivals/{festival.slug}/enter",
                           data={**data, "price": "40"}).status_code == 302
        listing = client.get("/en/vendor/festivals/").get_data(as_text=True)
        assert "0 / 5" in listing and "Awaiting review" in listing
