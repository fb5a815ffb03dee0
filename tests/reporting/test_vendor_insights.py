"""Vendor insights: the vendor's own store only, figures equal to plain SQL, bad periods, CSV files."""
from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from campaigns.festivals.models import Deal, DealStatus, Festival, FestivalText, Wave
from campaigns.reporting.insights import store_insights
from campaigns.reporting.period import ReportPeriod
from marketplace.catalog.models import Product
from marketplace.core.errors import PermissionDenied
from marketplace.extensions import db
from tests.reporting.conftest import NAIROBI

PERIOD = "from=2026-11-10&to=2026-11-15"
# Ghana's stores count days in Accra (UTC+0); Kenya's in Nairobi (UTC+3).
GHANA = ReportPeriod(date(2026, 11, 10), date(2026, 11, 15), "Africa/Accra")


def sql(query: str, **params):
    if db.engine.dialect.name == "sqlite":
        params = {key: value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(value, datetime)
                  else value for key, value in params.items()}
    return db.session.execute(text(query), params).all()


@pytest.fixture
def ghana_vendor(campaign_world):
    store = campaign_world["stores"]["GH"]
    return store.owner


def test_the_vendor_sees_only_their_own_store(ghana_vendor, campaign_world):
    report = store_insights(ghana_vendor, GHANA, "en")
    assert report.store.id == campaign_world["stores"]["GH"].id
    assert report.currency == "GHS"
    products = {row[0] for row in report.tables["best_sellers"].rows}
    assert products == {"Kente cloth", "Basket"}  # never Kenya's coffee beans, sold in the same order


def test_a_vendor_without_a_store_is_sent_to_set_one_up(client, login, make_user, frozen):
    from marketplace.accounts.models import Role

    vendor = make_user(role=Role.VENDOR)
    with pytest.raises(PermissionDenied):
        store_insights(vendor, GHANA, "en")
    login(vendor)
    response = client.get("/en/vendor/insights/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/en/vendor/application")


def test_each_day_equals_plain_sql_in_the_stores_own_zone_and_prices(ghana_vendor, campaign_world):
    from marketplace.catalog.models import ExchangeRate

    db.session.add(ExchangeRate(base="USD", quote="GHS", rate=Decimal("15"), updated_at=datetime(2026, 11, 1,
                                                                                                  tzinfo=UTC)))
    db.session.commit()
    store = campaign_world["stores"]["GH"]
    report = store_insights(ghana_vendor, GHANA, "en")
    rows = {row[0]: row for row in report.tables["daily"].rows}
    rates = {"USD": Decimal(15), "EUR": Decimal("1.10") * 15}
    for day in GHANA.days:
        start = datetime.combine(day, datetime.min.time(), tzinfo=UTC)  # Accra keeps UTC all year
        lines = sql("""
            SELECT l.currency, COUNT(DISTINCT vo.id), SUM(l.quantity), SUM(l.unit_amount * l.quantity)
            FROM order_lines l JOIN vendor_orders vo ON vo.id = l.vendor_order_id JOIN orders o ON o.id = vo.order_id
            WHERE vo.store_id = :store AND o.payment_state IN ('paid', 'unpaid', 'refund_due', 'refunded', 'cancelled')
              AND o.created_at >= :start AND o.created_at < :end GROUP BY l.currency""",
                    store=store.id, start=start, end=start + timedelta(days=1))
        orders = sum(count for _, count, _, _ in lines)
        units = sum(int(quantity) for _, _, quantity, _ in lines)
        revenue = sum(int((Decimal(amount) / 100 * rates[currency] * 100).quantize(Decimal(1)))
                      for currency, _, _, amount in lines if currency in rates)
        assert (rows[day][1], rows[day][2], rows[day][3].minor) == (orders, units, revenue), day
    # 23:59 in Nairobi on the 10th is 20:59 on the 10th in Accra; the pound order stays apart.
    assert rows[date(2026, 11, 10)][3].minor == 50 * 15 * 100
    assert rows[date(2026, 11, 14)][3].others[0].currency == "GBP"
    assert report.unconverted == ["GBP"]


def test_deal_results_and_payables_show_for_the_store(ghana_vendor, campaign_world, client, login):
    store = campaign_world["stores"]["GH"]
    cloth = db.session.scalars(select(Product).where(Product.store_id == store.id, Product.is_campaign)).one()
    start = datetime(2026, 11, 12, 9, tzinfo=UTC) - NAIROBI
    festival = Festival(slug="kente-week", registration_opens_at=start - timedelta(days=9),
                        registration_closes_at=start - timedelta(days=3), warmup_starts_at=start - timedelta(days=2),
                        texts=[FestivalText(language="en", name="Kente Week")],
                        waves=[Wave(starts_at=start, ends_at=start + timedelta(days=2))])
    db.session.add(festival)
    db.session.flush()
    db.session.add(Deal(festival_id=festival.id, wave_id=festival.waves[0].id, product_id=cloth.id,
                        store_id=store.id, price_amount=1800, currency="USD", cap=40, sold=30,
                        status=DealStatus.APPROVED))
    db.session.commit()
    login(ghana_vendor)
    page = client.get(f"/en/vendor/insights/?{PERIOD}").get_data(as_text=True)
    assert "Kente Week" in page and "75%" in page and "$18.00" in page
    assert "Nothing is owed to your store yet." in page  # the seeded orders posted no ledger entries
    assert "Nairobi Roasters" not in page
    body = client.get(f"/en/vendor/insights/deals.csv?{PERIOD}").get_data().decode("utf-8-sig")
    row = next(csv.DictReader(io.StringIO(body)))
    assert (row["festival"], row["price"], row["currency"], row["sold"], row["sell_through"]) == (
        "Kente Week", "18.00", "USD", "30", "75")


def test_bad_periods_are_refused_and_pages_render_in_arabic_and_chinese(ghana_vendor, client, login):
    login(ghana_vendor)
    refused = client.get("/en/vendor/insights/?from=2026-11-15&to=2026-11-01")
    assert refused.status_code == 422 and "The last day must not be before the first day." in refused.get_data(
        as_text=True)
    assert client.get("/en/vendor/insights/daily.csv?from=nope").status_code == 302
    for lang in ("ar", "zh"):
        response = client.get(f"/{lang}/vendor/insights/?{PERIOD}")
        assert response.status_code == 200 and "chart-store-daily" in response.get_data(as_text=True)


def test_views_add_to_carts_and_conversion_equal_plain_sql(ghana_vendor, campaign_world, app, client, login):
    from campaigns.reporting.funnel import journey_counter

    counter = journey_counter(app)
    counter.take()
    ghana, kenya = campaign_world["stores"]["GH"], campaign_world["stores"]["KE"]
    cloth = db.session.scalar(select(Product).where(Product.store_id == ghana.id, Product.slug.is_not(None))
                              .order_by(Product.id))
    beans = db.session.scalar(select(Product).where(Product.store_id == kenya.id).order_by(Product.id))
    inside = datetime(2026, 11, 12, 10, 0, tzinfo=UTC)
    counter.add("product_view", [cloth.id] * 50 + [beans.id] * 70, at=inside)
    counter.add("product_view", [cloth.id] * 9, at=datetime(2026, 11, 9, 23, 59, tzinfo=UTC))  # before (Accra)
    counter.add("product_view", [cloth.id] * 5, at=datetime(2026, 11, 16, 0, 0, tzinfo=UTC))  # after the period
    counter.add("add_to_cart", [cloth.id] * 10, at=inside)
    counter.add("checkout_start", [cloth.id] * 4, at=datetime(2026, 11, 15, 23, 59, tzinfo=UTC))
    counter.flush()
    expected = dict(sql("""SELECT f.step, SUM(f.count) FROM funnel_counts f JOIN products p ON p.id = f.product_id
                           WHERE p.store_id = :store AND f.minute >= :start AND f.minute < :end GROUP BY f.step""",
                        store=ghana.id, start=GHANA.starts_at, end=GHANA.ends_at))
    report = store_insights(ghana_vendor, GHANA, "en")
    rows = report.tables["journey"].rows
    assert [row[1] for row in rows[:3]] == [expected["product_view"], expected["add_to_cart"],
                                           expected["checkout_start"]] == [50, 10, 4]
    assert rows[3][1] == report.orders and rows[3][2] == round(100 * report.orders / 50)  # the conversion
    login(ghana_vendor)
    page = client.get(f"/en/vendor/insights/?{PERIOD}").get_data(as_text=True)
    assert "From views to orders" in page and 'id="chart-store-journey-title"' in page
    exported = client.get(f"/en/vendor/insights/journey.csv?{PERIOD}").get_data(as_text=True)
    assert list(csv.reader(io.StringIO(exported.lstrip("\ufeff"))))[1][:2] == ["Product views", "50"]
