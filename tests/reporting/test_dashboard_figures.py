"""Every figure of the campaign dashboard equals the same figure computed by a plain SQL query here."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from campaigns.reporting.dashboard import CountrySort, campaign_dashboard
from campaigns.reporting.period import ReportPeriod
from marketplace.core.money import Money
from marketplace.extensions import db
from tests.reporting.conftest import NAIROBI

ZONE = "Africa/Nairobi"
PERIOD = ReportPeriod(date(2026, 11, 10), date(2026, 11, 15), ZONE)
PLACED = "('paid', 'unpaid', 'refund_due', 'refunded', 'cancelled')"
UNDONE = "('cancelled', 'refunded')"
# Units of USD one unit of each currency buys at the seeded rates (CNY through the inverse rate).
RATES = {"USD": Decimal(1), "EUR": Decimal("1.10"), "CNY": 1 / Decimal("7.00")}


def utc_bounds(first: date, last: date) -> dict[str, datetime]:
    """Midnight in Nairobi at the start of `first` and after `last`, in UTC (Nairobi is UTC+3 all year)."""
    return {"start": datetime.combine(first, time.min, tzinfo=UTC) - NAIROBI,
            "end": datetime.combine(last + timedelta(days=1), time.min, tzinfo=UTC) - NAIROBI}


def in_usd(rows) -> tuple[int, int, dict[str, int]]:
    """(gross, net) in USD minor units of rows (currency, gross, undone), converting each currency's sum
    once; amounts without a rate by currency."""
    gross = net = 0
    apart: dict[str, int] = {}
    for currency, row_gross, undone in rows:
        row_gross, undone = int(row_gross or 0), int(undone or 0)
        if currency not in RATES:
            apart[currency] = apart.get(currency, 0) + row_gross
            continue
        gross += Money(row_gross, currency).convert("USD", RATES[currency]).amount
        net += Money(row_gross - undone, currency).convert("USD", RATES[currency]).amount
    return gross, net, apart


def sql(query: str, **params):
    """Rows of a plain SQL query; instants are passed as the database stores them (SQLite: UTC text)."""
    if db.engine.dialect.name == "sqlite":
        params = {key: value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(value, datetime)
                  else value for key, value in params.items()}
    return db.session.execute(text(query), params).all()


@pytest.fixture
def report(campaign_world, staff):
    return campaign_dashboard(staff, PERIOD, "en", CountrySort("stores", True))


def test_each_day_equals_plain_sql(report):
    for day in PERIOD.days:
        bounds = utc_bounds(day, day)
        money_rows = sql(f"""
            SELECT o.currency, SUM(vo.subtotal_amount),
                   SUM(CASE WHEN vo.status IN {UNDONE} THEN vo.subtotal_amount ELSE vo.refunded_amount END)
            FROM orders o JOIN vendor_orders vo ON vo.order_id = o.id
            WHERE o.payment_state IN {PLACED} AND o.created_at >= :start AND o.created_at < :end
            GROUP BY o.currency""", **bounds)
        orders = sql(f"SELECT COUNT(*) FROM orders WHERE payment_state IN {PLACED} "
                     "AND created_at >= :start AND created_at < :end", **bounds)[0][0]
        units = sql(f"""SELECT COALESCE(SUM(l.quantity), 0) FROM order_lines l JOIN orders o ON o.id = l.order_id
                        WHERE o.payment_state IN {PLACED} AND o.created_at >= :start AND o.created_at < :end""",
                    **bounds)[0][0]
        gross, net, apart = in_usd(money_rows)
        figures = report.daily[day]
        assert (figures.orders, figures.units, figures.gross.minor, figures.net.minor) == (orders, units, gross, net), day
        assert dict(figures.gross.apart) == apart


def test_the_seeded_days_read_as_a_person_would_count_them(report):
    """23:59 and 00:01 Nairobi time fall on two days; cancelled parts leave net; expired and unpaid orders
    and those outside the period are not counted; the pound order is kept apart, unconverted."""
    daily = report.daily
    assert (daily[date(2026, 11, 10)].orders, daily[date(2026, 11, 10)].gross.minor) == (1, 5000)
    assert daily[date(2026, 11, 10)].net.minor == 4000  # delivered, then USD 10.00 of it refunded
    assert (daily[date(2026, 11, 11)].orders, daily[date(2026, 11, 11)].gross.minor) == (1, 1200)
    # EUR 55.00 → USD 60.50 gross, EUR 35.00 → USD 38.50 net; the cancelled USD 48.00 order is gross only.
    assert (daily[date(2026, 11, 12)].gross.minor, daily[date(2026, 11, 12)].net.minor) == (6050 + 4800, 3850)
    assert daily[date(2026, 11, 13)].gross.minor == 1111  # CNY 77.77 at 7.00 yuan to the dollar
    assert daily[date(2026, 11, 14)].gross.others == [Money(900, "GBP")]
    assert report.totals.orders == 6
    assert report.unconverted == ["GBP"]
    assert [(rate.base, rate.stored_at.date()) for rate in report.rates] == [("CNY", date(2026, 11, 3)),
                                                                             ("EUR", date(2026, 11, 1))]


def test_countries_equal_plain_sql(report):
    rows = {row[1]: row for row in report.tables["countries"].rows}
    assert len(rows) == 54
    stores = dict(sql("SELECT country_code, COUNT(*) FROM stores WHERE status = 'approved' GROUP BY country_code"))
    campaign = dict(sql("SELECT country_code, COUNT(*) FROM stores WHERE status = 'approved' AND is_campaign "
                        "GROUP BY country_code") if db.engine.dialect.name == "postgresql" else
                    sql("SELECT country_code, COUNT(*) FROM stores WHERE status = 'approved' AND is_campaign = 1 "
                        "GROUP BY country_code"))
    pending = dict(sql("SELECT country_code, COUNT(*) FROM stores WHERE status IN ('submitted', 'changes_requested') "
                       "GROUP BY country_code"))
    products = dict(sql("SELECT s.country_code, COUNT(*) FROM products p JOIN stores s ON s.id = p.store_id "
                        "WHERE p.status = 'published' AND s.status = 'approved' GROUP BY s.country_code"))
    bounds = utc_bounds(PERIOD.first, PERIOD.last)
    for code, row in rows.items():
        assert row[2:6] == [stores.get(code, 0), campaign.get(code, 0), pending.get(code, 0), products.get(code, 0)]
        sold = sql(f"""
            SELECT o.currency, SUM(vo.subtotal_amount), 0 FROM orders o
            JOIN vendor_orders vo ON vo.order_id = o.id JOIN stores s ON s.id = vo.store_id
            WHERE s.country_code = :code AND o.payment_state IN {PLACED}
              AND o.created_at >= :start AND o.created_at < :end GROUP BY o.currency""", code=code, **bounds)
        vendor_orders = sql(f"""
            SELECT COUNT(*) FROM orders o JOIN vendor_orders vo ON vo.order_id = o.id JOIN stores s ON s.id = vo.store_id
            WHERE s.country_code = :code AND o.payment_state IN {PLACED}
              AND o.created_at >= :start AND o.created_at < :end""", code=code, **bounds)[0][0]
        assert (row[6], row[7].minor) == (vendor_orders, in_usd(sold)[0]), code
    assert [row[1] for row in report.tables["countries"].rows[:2]] == ["GH", "KE"]  # most stores, then by name


def test_categories_buyers_and_payment_methods_equal_plain_sql(report, campaign_world):
    bounds = utc_bounds(PERIOD.first, PERIOD.last)
    categories = {row[0]: row for row in report.tables["categories"].rows}
    for slug, category in campaign_world["categories"].items():
        row = categories[f"{slug} (en)"]
        live = sql("SELECT COUNT(*) FROM products p JOIN stores s ON s.id = p.store_id WHERE p.category_id = :c "
                   "AND p.status = 'published' AND s.status = 'approved'", c=category.id)[0][0]
        money_rows = sql(f"""
            SELECT o.currency, SUM(l.charge_unit_amount * l.quantity), 0 FROM order_lines l
            JOIN orders o ON o.id = l.order_id JOIN products p ON p.id = l.product_id
            WHERE p.category_id = :c AND o.payment_state IN {PLACED} AND o.created_at >= :start AND o.created_at < :end
            GROUP BY o.currency""", c=category.id, **bounds)
        units = sql(f"""
            SELECT COALESCE(SUM(l.quantity), 0) FROM order_lines l JOIN orders o ON o.id = l.order_id
            JOIN products p ON p.id = l.product_id
            WHERE p.category_id = :c AND o.payment_state IN {PLACED} AND o.created_at >= :start
              AND o.created_at < :end""", c=category.id, **bounds)[0][0]
        assert (row[1], row[3], row[4].minor) == (live, units, in_usd(money_rows)[0])

    buyers = {row[1]: row for row in report.tables["buyers"].rows}
    expected = sql(f"SELECT country_code, COUNT(*) FROM orders WHERE payment_state IN {PLACED} "
                   "AND created_at >= :start AND created_at < :end GROUP BY country_code", **bounds)
    assert {code: buyers[code][2] for code in buyers} == dict(expected)
    assert buyers["CN"][3].minor == 5000 + 6050 + 1111

    methods = {row[1]: row for row in report.tables["payments"].rows}
    expected = sql(f"SELECT gateway, COUNT(*) FROM orders WHERE payment_state IN {PLACED} "
                   "AND created_at >= :start AND created_at < :end GROUP BY gateway", **bounds)
    assert {code: methods[code][2] for code in methods} == dict(expected)
    assert methods["offline"][3] == 33 and methods["stripe"][3] == 67


def test_goals_onboarding_and_lectures_equal_plain_sql(report, staff):
    goals = report.tables["goals"].rows
    flag = "is_campaign" if db.engine.dialect.name == "postgresql" else "is_campaign = 1"
    live_stores = sql(f"SELECT COUNT(*) FROM stores WHERE status = 'approved' AND {flag}")[0][0]
    live_products = sql(f"SELECT COUNT(*) FROM products p JOIN stores s ON s.id = p.store_id WHERE p.{flag} "
                        "AND p.status = 'published' AND s.status = 'approved'")[0][0]
    waiting = sql("SELECT COUNT(*) FROM products WHERE status = 'pending_review'")[0][0]
    assert (goals[0][1], goals[1][1], goals[1][5]) == (live_stores, live_products, waiting)
    assert goals[0][5] == 1  # Lagos Looms, submitted

    bounds = utc_bounds(PERIOD.first, PERIOD.last)
    started = sql("SELECT COUNT(*) FROM stores WHERE created_at >= :start AND created_at < :end", **bounds)[0][0]
    steps = [row[1] for row in report.tables["onboarding"].rows]
    assert steps == [started, 0, 0, 0]  # only the draft of 12 November started inside the period
    wide = campaign_dashboard(staff, ReportPeriod(date(2026, 11, 1), date(2026, 11, 15), ZONE), "en")
    funnel = [(row[1], row[3]) for row in wide.tables["onboarding"].rows]
    # Started 4; submitted 3 (1, 4, 1 days: median 1); approved 2 (2 and 1 days: 1.5); live 2 (1.5 and 1 days).
    assert funnel == [(4, None), (3, 1.0), (2, 1.5), (2, 1.2)]

    lectures = report.tables["lectures"].rows
    assert [row[2:] for row in lectures] == [[2, 1, 1, 50]]
    registered = sql("SELECT COUNT(*) FROM lecture_registrations WHERE status IN ('registered', 'offered')")[0][0]
    attended = sql("SELECT COUNT(*) FROM lecture_registrations WHERE attended_at IS NOT NULL")[0][0]
    assert (lectures[0][2], lectures[0][4]) == (registered, attended)

