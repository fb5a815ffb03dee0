"""Journey counts: product pages, add-to-carts and checkout starts are counted in memory and written in
batches; robots, fast repeaters and vendors' own browsing are not counted; no personal data is kept;
the festival funnel equals plain SQL over the counts."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import inspect

from campaigns.reporting import funnel
from campaigns.reporting.festival_results import work_out_results
from campaigns.reporting.funnel import MAX_PAGES_PER_MINUTE, is_robot, journey_counter
from marketplace.accounts.models import Role
from marketplace.extensions import db
from tests.reporting.conftest import FESTIVAL_WAVES, NOW
from tests.reporting.test_dashboard_figures import sql

BROWSER = {"User-Agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36"}


@pytest.fixture
def counter(app, frozen):
    kept = journey_counter(app)
    kept.take()  # what earlier tests left waiting
    kept.pages_by_address.clear()
    yield kept
    kept.take()


def counts() -> dict[tuple[int, str], int]:
    return {(product_id, step): int(total) for product_id, step, total in
            sql("SELECT product_id, step, SUM(count) FROM funnel_counts GROUP BY product_id, step")}


@pytest.mark.parametrize("agent", ["Googlebot/2.1 (+http://www.google.com/bot.html)", "curl/8.5.0",
                                   "python-requests/2.32", "Mozilla/5.0 HeadlessChrome/131.0", "", "AhrefsBot/7.0"])
def test_robots_are_told_apart(agent):
    assert is_robot(agent)


def test_browsers_are_people():
    assert not is_robot(BROWSER["User-Agent"])
    assert not is_robot("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5) AppleWebKit/605.1.15 Version/17.5 Mobile Safari")


def test_product_pages_are_counted_in_memory_then_written_in_one_batch(client, counter, make_product):
    product = make_product("Kente cloth")
    for _ in range(3):
        assert client.get(f"/en/products/{product.slug}", headers=BROWSER).status_code == 200
    client.get(f"/en/products/{product.slug}", headers={"User-Agent": "Googlebot/2.1"})
    client.head(f"/en/products/{product.slug}", headers=BROWSER)
    client.get("/en/products/no-such-product", headers=BROWSER)
    assert counts() == {}  # nothing written on the request path
    assert counter.flush() == 1
    assert counts() == {(product.id, "product_view"): 3}
    rows = sql("SELECT minute, count FROM funnel_counts")
    assert len(rows) == 1 and rows[0][1] == 3
    assert counter.flush() == 0  # nothing left to write


def test_later_batches_add_to_the_same_minute(client, counter, make_product):
    product = make_product()
    client.get(f"/en/products/{product.slug}", headers=BROWSER)
    counter.flush()
    client.get(f"/en/products/{product.slug}", headers=BROWSER)
    counter.flush()
    assert sql("SELECT count FROM funnel_counts") == [(2,)]


def test_an_address_asking_too_fast_is_counted_only_up_to_the_limit(client, counter, make_product):
    product = make_product()
    for _ in range(MAX_PAGES_PER_MINUTE + 5):
        client.get(f"/en/products/{product.slug}", headers=BROWSER)
    counter.flush()
    assert counts() == {(product.id, "product_view"): MAX_PAGES_PER_MINUTE}


@pytest.mark.parametrize("role", [Role.VENDOR, Role.STAFF])
def test_vendors_and_staff_browsing_are_not_counted(client, login, make_user, counter, make_product, role):
    product = make_product()
    login(make_user(role=role))
    client.get(f"/en/products/{product.slug}", headers=BROWSER)
    counter.flush()
    assert counts() == {}


def test_adding_to_the_cart_and_starting_checkout_are_counted_per_product(client, login, make_user, counter,
                                                                           make_product):
    cloth, beans = make_product("Kente cloth", stock=5), make_product("Coffee beans", stock=5)
    login(make_user(role=Role.SHOPPER))
    for product in (cloth, beans):
        client.post("/en/cart/items", data={"product_id": product.id, "quantity": 1}, headers=BROWSER)
    assert client.get("/en/checkout", headers=BROWSER).status_code == 200
    counter.flush()
    assert counts() == {(cloth.id, "add_to_cart"): 1, (beans.id, "add_to_cart"): 1,
                        (cloth.id, "checkout_start"): 1, (beans.id, "checkout_start"): 1}


def test_a_full_batch_is_written_without_waiting(app, counter, make_product, monkeypatch):
    product = make_product()
    monkeypatch.setattr(counter, "flush_events", 3)
    counter.add("add_to_cart", [product.id, product.id])
    assert counts() == {}
    counter.add("add_to_cart", [product.id])
    assert counts() == {(product.id, "add_to_cart"): 3}


def test_counts_survive_a_failed_write(counter, make_product, monkeypatch):
    product = make_product()
    counter.add("add_to_cart", [product.id, product.id])

    def refuse(_pending):
        raise RuntimeError("database away")

    monkeypatch.setattr(funnel, "write_counts", refuse)
    with pytest.raises(RuntimeError):
        counter.flush()
    monkeypatch.undo()
    counter.flush()
    assert counts() == {(product.id, "add_to_cart"): 2}


def test_no_personal_data_is_kept(app):
    columns = {column["name"] for column in inspect(db.engine).get_columns("funnel_counts")}
    assert columns == {"product_id", "step", "minute", "count"}


def test_the_festival_funnel_equals_plain_sql(festival_world, staff, counter):
    deals = festival_world["deals"]
    cloth, towel = deals["sold_out"].product_id, deals["held"].product_id
    wave1, wave2 = FESTIVAL_WAVES
    counter.add("product_view", [cloth] * 40, at=wave1[0] + timedelta(minutes=3))
    counter.add("product_view", [cloth] * 7, at=wave1[0] - timedelta(minutes=1))  # before its wave: not a deal view
    counter.add("product_view", [towel] * 25, at=NOW)
    counter.add("product_view", [towel] * 9, at=wave1[0] + timedelta(hours=1))  # towel's deal is in wave 2
    counter.add("add_to_cart", [cloth] * 8 + [towel] * 4, at=wave1[0] + timedelta(minutes=5))
    counter.add("add_to_cart", [towel] * 3, at=NOW)
    counter.add("checkout_start", [cloth] * 6 + [towel] * 2, at=NOW - timedelta(minutes=1))
    counter.flush()
    expected = dict(sql("""SELECT f.step, SUM(f.count) FROM funnel_counts f
                           JOIN festival_deals d ON d.product_id = f.product_id
                           JOIN festival_waves w ON w.id = d.wave_id
                           WHERE d.festival_id = :festival AND d.status = 'approved'
                           AND f.minute >= w.starts_at AND f.minute < w.ends_at GROUP BY f.step""",
                        festival=festival_world["festival"].id))
    bought = sql("""SELECT COUNT(*) FROM order_lines l JOIN orders o ON o.id = l.order_id
                    WHERE l.offer_hold LIKE 'deal:%' AND o.payment_state IN
                    ('paid', 'unpaid', 'refund_due', 'refunded', 'cancelled')
                    AND l.offer_hold IN (SELECT 'deal:' || id FROM festival_deals WHERE festival_id = :festival)""",
                 festival=festival_world["festival"].id)[0][0]
    report = work_out_results(staff, festival_world["festival"].id, "en")
    steps = [row[1] for row in report.tables["funnel"].rows]
    assert steps == [expected["product_view"], expected["add_to_cart"], expected["checkout_start"], bought]
    # Counted as a person would: wave-1 cloth views and wave-2 towel views, not those outside their wave.
    assert steps == [65, 11, 2, 8]
    assert [row[2] for row in report.tables["funnel"].rows] == [100, round(100 * 11 / 65), round(200 / 65),
                                                                round(800 / 65)]


def test_cached_product_pages_count_too(make_app, frozen, make_product):
    product = make_product()
    cached = make_app(PAGE_CACHE_SECONDS=30)
    with cached.app_context():
        client = cached.test_client()
        first = client.get(f"/en/products/{product.slug}", headers=BROWSER)
        second = client.get(f"/en/products/{product.slug}", headers=BROWSER)
        assert first.status_code == second.status_code == 200
        assert first.get_data(as_text=True).count(product.slug) == second.get_data(as_text=True).count(product.slug)
        assert journey_counter(cached).flush() == 1
    assert counts() == {(product.id, "product_view"): 2}


def test_a_wave_off_the_hour_counts_its_minutes_and_its_whole_hours(counter, staff, make_product):
    """Whole hours are read from the hourly sums, the minutes at either end from the minutes: the same
    figure as the minutes alone, views just outside the wave left out."""
    from campaigns.reporting.festival_figures import journey_counts
    from tests.reporting.conftest import add_deal, add_festival

    product = make_product()
    opens, closes = NOW.replace(hour=10, minute=30), NOW.replace(hour=13, minute=15)
    festival = add_festival("off-the-hour", [(opens, closes)], staff, {"en": "Off the hour"})
    add_deal(festival, 0, product, cap=10, sold=0)
    for minutes, views in ((-1, 100), (0, 1), (29, 2), (30, 4), (150, 8), (164, 16), (165, 200)):
        counter.add("product_view", [product.id] * views, at=opens + timedelta(minutes=minutes))
    counter.add("add_to_cart", [product.id] * 3, at=opens + timedelta(minutes=90))
    counter.flush()
    expected = dict(sql("""SELECT f.step, SUM(f.count) FROM funnel_counts f
                           JOIN festival_deals d ON d.product_id = f.product_id
                           JOIN festival_waves w ON w.id = d.wave_id
                           WHERE d.festival_id = :festival AND f.minute >= w.starts_at AND f.minute < w.ends_at
                           GROUP BY f.step""", festival=festival.id))
    assert journey_counts(festival.id) == {"product_view": 31, "add_to_cart": 3} == expected
    assert sql("SELECT SUM(count) FROM funnel_hours")[0][0] == sql("SELECT SUM(count) FROM funnel_counts")[0][0]
