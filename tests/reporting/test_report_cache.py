"""The campaign dashboard kept for a minute: staff reloading it read the kept figures, a minute later the
orders are read again; with Redis every worker shares what one worked out."""
from __future__ import annotations

import os
import uuid
from datetime import timedelta

import pytest
from flask import g

from campaigns.reporting.dashboard import CountrySort, campaign_dashboard
from campaigns.reporting.period import ReportPeriod
from campaigns.reporting.report_cache import ReportCache
from marketplace.core import clock
from marketplace.extensions import db
from marketplace.orders.models import FulfilmentState
from tests.factories import PASSWORD
from tests.reporting.conftest import add_order, nairobi
from tests.reporting.test_dashboard_figures import PERIOD
from tests.services import ci_redis


def _late_order(campaign_world):
    shopper = campaign_world["orders"]["late"].shopper
    ghana = campaign_world["stores"]["GH"]
    cloth = ghana_product(ghana)
    return add_order(nairobi(2026, 11, 14, 12, 0), "USD", [(ghana, FulfilmentState.PAID, [(cloth, 1, 700)])],
                     shopper=shopper)


def ghana_product(store):
    from marketplace.catalog.models import Product

    return db.session.scalars(db.select(Product).where(Product.store_id == store.id).order_by(Product.id)).first()


def test_the_dashboard_is_kept_for_a_minute_then_read_again(make_app, campaign_world, staff):
    app = make_app(DASHBOARD_CACHE_SECONDS=60)
    with app.test_request_context("/"):
        first = campaign_dashboard(staff, PERIOD, "en", CountrySort("stores", True))
        _late_order(campaign_world)
        kept = campaign_dashboard(staff, PERIOD, "en", CountrySort("stores", True))
        assert kept.totals.orders == first.totals.orders and kept.computed_at == first.computed_at
        refused = CountrySort("stores", True, "That sort order is not one the table offers")
        assert campaign_dashboard(staff, PERIOD, "en", refused).country_sort == refused  # this request's message
        with clock.freeze(clock.now() + timedelta(seconds=60)):
            later = campaign_dashboard(staff, PERIOD, "en", CountrySort("stores", True))
    assert later.totals.orders == first.totals.orders + 1 and later.computed_at > first.computed_at


def test_the_page_says_when_its_figures_were_worked_out(make_app, campaign_world, staff):
    app = make_app(DASHBOARD_CACHE_SECONDS=60)
    client = app.test_client()
    client.post("/en/account/login", data={"email": staff.email, "password": PASSWORD})
    page = client.get("/en/staff/dashboard/?from=2026-11-10&to=2026-11-15").get_data(as_text=True)
    assert "Figures as of" in page and "worked out again at most every 60 seconds" in page


def test_a_new_period_or_language_is_worked_out_on_its_own(make_app, campaign_world, staff):
    app = make_app(DASHBOARD_CACHE_SECONDS=60)
    with app.test_request_context("/"):
        english = campaign_dashboard(staff, PERIOD, "en")
        _late_order(campaign_world)
        french = campaign_dashboard(staff, PERIOD, "fr")
        shorter = campaign_dashboard(staff, ReportPeriod(PERIOD.first, PERIOD.last - timedelta(days=1), PERIOD.zone),
                                     "en")
    assert french.totals.orders == english.totals.orders + 1
    assert shorter.totals.orders == english.totals.orders + 1  # no order on the 15th; the new one on the 14th


def test_a_report_older_than_two_periods_is_never_shown():
    cache = ReportCache(60)
    now = clock.now()
    assert cache.get_or_work_out("k", lambda at: "first", now) == "first"
    assert cache.get_or_work_out("k", lambda at: "second", now + timedelta(seconds=59)) == "first"
    assert cache.get_or_work_out("k", lambda at: "third", now + timedelta(seconds=121)) == "third"


def test_with_redis_every_worker_shares_one_dashboard(make_app, campaign_world, staff):
    if not os.environ.get("TEST_REDIS_URL"):
        pytest.skip("needs TEST_REDIS_URL (set by .ci/run)")
    url, connection = ci_redis()
    prefix = f"test:{uuid.uuid4().hex}:reports:"
    settings = {"REDIS_URL": url, "REPORT_CACHE_PREFIX": prefix, "DASHBOARD_CACHE_SECONDS": 60}
    first, second = make_app(**settings), make_app(**settings)
    try:
        with first.test_request_context("/"):
            worked = campaign_dashboard(staff, PERIOD, "en")
        _late_order(campaign_world)
        with second.test_request_context("/"):
            shared = campaign_dashboard(staff, PERIOD, "en")
            assert shared.totals.orders == worked.totals.orders  # read from Redis, not worked out again
            assert shared.tables["daily"].rows == worked.tables["daily"].rows
            # Past the minute one worker works it out again while the others keep the kept one.
            with clock.freeze(clock.now() + timedelta(seconds=61)):
                again = campaign_dashboard(staff, PERIOD, "en")
            assert again.totals.orders == worked.totals.orders + 1
    finally:
        for key in connection.scan_iter(prefix + "*"):
            connection.delete(key)


def test_past_its_minute_the_kept_dashboard_is_answered_while_a_thread_works_it_out(make_app, campaign_world,
                                                                                    staff):
    app = make_app(DASHBOARD_CACHE_SECONDS=60, REPORT_REFRESH_IN_BACKGROUND=True)
    cache = app.extensions["campaign_dashboard"]
    with app.test_request_context("/ar/staff/dashboard/"):
        g.lang_code = "ar"  # as the page's address sets it
        first = campaign_dashboard(staff, PERIOD, "ar")
        _late_order(campaign_world)
        with clock.freeze(clock.now() + timedelta(seconds=61)):
            answered = campaign_dashboard(staff, PERIOD, "ar")
            assert answered.computed_at == first.computed_at  # nobody waited
            cache.refreshing.join(timeout=30)
            fresh = campaign_dashboard(staff, PERIOD, "ar")
    assert fresh.totals.orders == first.totals.orders + 1 and fresh.computed_at > first.computed_at
    # The thread wrote it in the page's language, as the request did.
    assert fresh.tables["daily"].title == first.tables["daily"].title != "Orders, units and sales per day"
