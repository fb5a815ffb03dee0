"""The daily roll-up: closed days are summed once and read back with the same figures as the orders give,
a change to an order sums its day again, and today is always read live."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from campaigns.reporting import sales
from campaigns.reporting.currency import reporting_converter
from campaigns.reporting.dashboard import campaign_dashboard
from campaigns.reporting.period import ReportPeriod
from campaigns.reporting.rollup import sales_rows
from marketplace.core import clock
from marketplace.extensions import db
from marketplace.orders.models import FulfilmentState
from tests.reporting.conftest import NOW, F, add_order, nairobi
from tests.reporting.test_dashboard_figures import PERIOD, ZONE, sql

WITH_TODAY = ReportPeriod(date(2026, 11, 10), date(2026, 11, 20), ZONE)


def built_days() -> list[str]:
    return [day for (day,) in sql("SELECT day FROM rollup_days ORDER BY day")]


def figures(rows, period):
    """Every sales figure the dashboard shows, as plain values."""
    converter = reporting_converter("USD")

    def plain(by_key):
        return {key: (f.orders, f.units, f.gross.minor, f.net.minor, dict(f.gross.apart)) for key, f in by_key.items()}

    return (plain(sales.daily_sales(rows, period, converter)), plain(sales.sales_by_buyer_country(rows, converter)),
            plain(sales.sales_by_payment_method(rows, converter)), plain(sales.sales_by_vendor_country(rows, converter)),
            plain(sales.sales_by_category(rows, converter)))


@pytest.mark.parametrize("period", [PERIOD, WITH_TODAY], ids=["closed days", "with today"])
def test_rolled_up_figures_equal_those_read_from_the_orders(campaign_world, period):
    live = figures(sales.live_rows(period), period)
    assert built_days() == []
    rolled = figures(sales_rows(period), period)
    assert rolled == live
    closed = [day.isoformat() for day in period.days if day < NOW.date()]
    assert built_days() == closed  # today is never built
    assert figures(sales_rows(period), period) == live  # read back from the roll-up alone


def test_a_refund_sums_its_day_again(campaign_world, staff):
    campaign_dashboard(staff, PERIOD, "en")
    assert "2026-11-10" in built_days()
    late = campaign_world["orders"]["late"]  # 23:59 on 10 November, Nairobi time
    late.vendor_orders[0].status = FulfilmentState.REFUNDED
    db.session.commit()
    assert "2026-11-10" not in built_days() and "2026-11-11" in built_days()
    report = campaign_dashboard(staff, PERIOD, "en")
    assert report.daily[date(2026, 11, 10)].net.minor == 0
    assert report.daily[date(2026, 11, 10)].gross.minor == 5000
    assert figures(sales_rows(PERIOD), PERIOD) == figures(sales.live_rows(PERIOD), PERIOD)


def test_an_order_placed_late_on_a_closed_day_sums_that_day_again(campaign_world, staff):
    campaign_dashboard(staff, PERIOD, "en")
    shopper = campaign_world["orders"]["late"].shopper
    add_order(nairobi(2026, 11, 12, 23, 0), "USD", [(campaign_world["stores"]["GH"], F.PAID, [])], shopper=shopper)
    assert "2026-11-12" not in built_days()
    report = campaign_dashboard(staff, PERIOD, "en")
    assert report.daily[date(2026, 11, 12)].orders == figures(sales.live_rows(PERIOD), PERIOD)[0][date(2026, 11, 12)][0]


def test_today_is_read_live(campaign_world, staff):
    first = campaign_dashboard(staff, WITH_TODAY, "en").daily[NOW.date()].orders
    shopper = campaign_world["orders"]["late"].shopper
    add_order(NOW - timedelta(minutes=1), "USD", [(campaign_world["stores"]["KE"], F.PAID, [])], shopper=shopper)
    assert campaign_dashboard(staff, WITH_TODAY, "en").daily[NOW.date()].orders == first + 1
    assert NOW.date().isoformat() not in built_days()
    with clock.freeze(NOW + timedelta(days=1)):  # the day closed: now it is summed like the others
        later = ReportPeriod(date(2026, 11, 10), date(2026, 11, 21), ZONE)
        assert campaign_dashboard(staff, later, "en").daily[NOW.date()].orders == first + 1
        assert NOW.date().isoformat() in built_days()
