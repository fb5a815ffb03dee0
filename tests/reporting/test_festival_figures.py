"""Every figure of a festival's results equals the same figure computed by a plain SQL query here."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from campaigns.reporting.festival_results import previous_festival, work_out_results
from campaigns.reporting.sales import PLACED_STATES
from marketplace.core import clock
from tests.reporting.conftest import FESTIVAL_WAVES, NOW
from tests.reporting.test_dashboard_figures import in_usd, sql

PLACED = "(" + ", ".join(f"'{state.value}'" for state in PLACED_STATES) + ")"
UNDONE = "('cancelled', 'refunded')"


def holds(*deals) -> str:
    """The deals' holds as an SQL list ('deal:1', 'deal:2')."""
    return "(" + ", ".join(f"'deal:{int(deal.id)}'" for deal in deals) + ")"


def expected_sales(deals) -> dict:
    """Orders, units, gross and net of the deals' lines in placed orders, by plain SQL."""
    orders = sql(f"""SELECT COUNT(*) FROM orders o WHERE o.payment_state IN {PLACED}
                     AND EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id AND l.offer_hold IN {holds(*deals)})""")[0][0]
    rows = sql(f"""SELECT o.currency, SUM(l.charge_unit_amount * l.quantity),
                          SUM(CASE WHEN vo.status IN {UNDONE} THEN l.charge_unit_amount * l.quantity ELSE 0 END)
                   FROM order_lines l JOIN orders o ON o.id = l.order_id JOIN vendor_orders vo ON vo.id = l.vendor_order_id
                   WHERE o.payment_state IN {PLACED} AND l.offer_hold IN {holds(*deals)} GROUP BY o.currency""")
    units = sql(f"""SELECT COALESCE(SUM(l.quantity), 0) FROM order_lines l JOIN orders o ON o.id = l.order_id
                    WHERE o.payment_state IN {PLACED} AND l.offer_hold IN {holds(*deals)}""")[0][0]
    gross, net, apart = in_usd(rows)
    return {"orders": orders, "units": units, "gross": gross, "net": net, "apart": apart}


@pytest.fixture
def results(festival_world, staff):
    return work_out_results(staff, festival_world["festival"].id, "en")


def row_of(table, first_cell):
    return next(row for row in table.rows if row[0] == first_cell)


def test_headline_figures_equal_plain_sql(results, festival_world):
    expected = expected_sales(festival_world["deals"].values())
    totals = results.totals
    assert (totals.orders, totals.units, totals.gross.minor, totals.net.minor) == (
        expected["orders"], expected["units"], expected["gross"], expected["net"])
    assert dict(totals.gross.apart) == expected["apart"]
    # As a person counts them: six placed orders with deal lines (the cancelled one included, the waiting,
    # expired and deal-less ones not); GBP kept apart; the average leaves the pound order out.
    assert (totals.orders, totals.units, totals.gross.minor, totals.net.minor) == (6, 11, 18040, 13220)
    assert dict(totals.gross.apart) == {"GBP": 700}
    assert totals.average_order == round(18040 / 5)


def test_each_wave_equals_plain_sql(results, festival_world):
    deals = festival_world["deals"]
    waves = results.tables["waves"]
    for name, wave_deals in (("Wave 1", [deals["sold_out"], deals["partly"]]),
                             ("Wave 2", [deals["held"], deals["untouched"]])):
        expected = expected_sales(wave_deals)
        cap, taken, sold_out = sql(f"""SELECT SUM(cap), SUM(sold), SUM(CASE WHEN sold >= cap THEN 1 ELSE 0 END)
                                       FROM festival_deals WHERE id IN ({", ".join(str(d.id) for d in wave_deals)})""")[0]
        row = row_of(waves, name)
        assert row[2:6] == [2, cap, expected["orders"], expected["units"]]
        assert (row[6].minor, row[7].minor) == (expected["gross"], expected["net"])
        assert row[8] == round(100 * taken / cap) and row[9] == sold_out
    every = expected_sales(deals.values())
    assert waves.totals[4:6] == [every["orders"], every["units"]]
    assert (waves.totals[6].minor, waves.totals[7].minor) == (every["gross"], every["net"])


def test_each_deal_equals_plain_sql(results, festival_world):
    table = results.tables["deals"]
    columns = [column.key for column in table.columns]
    for deal, row in zip(festival_world["deals"].values(), table.rows, strict=True):
        cap, taken = sql(f"SELECT cap, sold FROM festival_deals WHERE id = {int(deal.id)}")[0]
        held = sql(f"""SELECT COALESCE(SUM(l.quantity), 0) FROM order_lines l JOIN orders o ON o.id = l.order_id
                       WHERE l.offer_hold = 'deal:{int(deal.id)}' AND o.payment_state = 'pending'
                       AND o.reserved_until > :now""", now=NOW)[0][0]
        figures = dict(zip(columns, row, strict=True))
        assert (figures["offered"], figures["taken"], figures["held"]) == (cap, taken, held)
        assert figures["units"] == expected_sales([deal])["units"]
        assert figures["sell_through"] == round(100 * taken / cap)
    assert [row[6] for row in table.rows] == [0, 0, 2, 0]  # the checkout holding two towels


def test_time_to_sell_out_is_the_order_that_took_the_last_unit(results, festival_world):
    deal = festival_world["deals"]["sold_out"]
    # Kept lines in the order they came; the first whose running total reaches the cap took the last unit.
    rows = sql(f"""SELECT created_at, SUM(l.quantity) OVER (ORDER BY o.created_at, o.id, l.id) AS running
                   FROM order_lines l JOIN orders o ON o.id = l.order_id JOIN vendor_orders vo ON vo.id = l.vendor_order_id
                   WHERE l.offer_hold = 'deal:{int(deal.id)}' AND o.payment_state IN {PLACED}
                   AND vo.status NOT IN {UNDONE} ORDER BY o.created_at, o.id, l.id""")
    last = next(created for created, running in rows if running >= deal.cap)
    last = last if isinstance(last, datetime) else datetime.fromisoformat(str(last))
    minutes = int((clock.to_utc(last) - FESTIVAL_WAVES[0][0]).total_seconds() // 60)
    table = results.tables["deals"]
    assert [row[-1] for row in table.rows] == [minutes, None, None, None]
    assert minutes == 125  # the yuan order, 2 h 05 after the wave opened (the cancelled unit came back)


def test_top_stores_products_and_countries_equal_plain_sql(results, festival_world):
    deals = festival_world["deals"]
    every = holds(*deals.values())
    stores = sql(f"""SELECT s.name, COUNT(*) FROM vendor_orders vo JOIN orders o ON o.id = vo.order_id
                     JOIN stores s ON s.id = vo.store_id
                     WHERE o.payment_state IN {PLACED} AND vo.id IN (SELECT vendor_order_id FROM order_lines
                                                                      WHERE offer_hold IN {every})
                     GROUP BY s.name""")
    table = results.tables["stores"]
    assert {row[0]: row[2] for row in table.rows} == dict(stores)
    for row in table.rows:
        store_deals = [deal for deal in deals.values() if deal.store.name == row[0]]
        expected = expected_sales(store_deals)
        assert (row[3], row[4].minor, row[5].minor) == (expected["units"], expected["gross"], expected["net"])
    assert [row[0] for row in table.rows] == ["Kente House", "Nairobi Roasters", "Cairo Cotton"]
    products = results.tables["products"]
    assert [(row[0], row[2]) for row in products.rows] == [("Kente cloth", 5), ("Coffee beans", 5), ("Cotton towel", 1)]
    countries = results.tables["vendor_countries"]
    assert [row[1] for row in countries.rows] == ["GH", "KE", "EG"]
    assert countries.column_sums("vendor_orders") == sum(count for _, count in stores)
    assert countries.totals[5].minor == results.totals.gross.minor


def test_buyer_countries_equal_plain_sql(results, festival_world):
    every = holds(*festival_world["deals"].values())
    expected = dict(sql(f"""SELECT o.country_code, COUNT(*) FROM orders o WHERE o.payment_state IN {PLACED}
                            AND EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id AND l.offer_hold IN {every})
                            GROUP BY o.country_code"""))
    table = results.tables["buyer_countries"]
    assert {row[1]: row[2] for row in table.rows} == expected == {"CN": 2, "KE": 2, "NG": 1, "GB": 1}
    kenya = sql(f"""SELECT o.currency, SUM(l.charge_unit_amount * l.quantity),
                           SUM(CASE WHEN vo.status IN {UNDONE} THEN l.charge_unit_amount * l.quantity ELSE 0 END)
                    FROM order_lines l JOIN orders o ON o.id = l.order_id JOIN vendor_orders vo ON vo.id = l.vendor_order_id
                    WHERE o.payment_state IN {PLACED} AND o.country_code = 'KE' AND l.offer_hold IN {every}
                    GROUP BY o.currency""")
    gross, net, _ = in_usd(kenya)
    row = next(row for row in table.rows if row[1] == "KE")
    assert (row[4].minor, row[5].minor) == (gross, net)
    assert table.totals[4].minor == results.totals.gross.minor


def test_reserved_now_and_oversold(results, festival_world):
    every = holds(*festival_world["deals"].values())
    reserved = sql(f"""SELECT COALESCE(SUM(l.quantity), 0) FROM order_lines l JOIN orders o ON o.id = l.order_id
                       WHERE l.offer_hold IN {every} AND o.payment_state = 'pending' AND o.reserved_until > :now""",
                   now=NOW)[0][0]
    over_cap = sql("SELECT COUNT(*) FROM festival_deals WHERE sold > cap")[0][0]
    below_zero = sql("SELECT COUNT(*) FROM products WHERE stock < 0")[0][0]
    assert results.reserved == reserved == 2
    assert results.oversold == over_cap + below_zero == 0


def test_compared_with_the_festival_before(results, festival_world):
    before = festival_world["before"]
    assert previous_festival(festival_world["festival"]).id == before.id
    assert previous_festival(festival_world["older"]) is None
    from campaigns.festivals.models import Deal
    from marketplace.extensions import db

    expected = expected_sales(db.session.query(Deal).filter(Deal.festival_id == before.id).all())
    assert results.previous_name.text == "Spring Fair"
    previous = results.previous_totals
    assert (previous.orders, previous.units, previous.gross.minor) == (
        expected["orders"], expected["units"], expected["gross"]) == (1, 3, 3600)
    assert results.change("orders") == 500 and results.change("gross") == round(100 * (18040 - 3600) / 3600)
    assert [row[0] for row in results.tables["comparison"].rows] == ["Harvest Week", "Spring Fair"]


def test_a_festival_with_nothing_sold_reads_zero(festival_world, staff):
    from tests.reporting.conftest import add_festival

    empty = add_festival("empty-fair", ((NOW + timedelta(days=30), NOW + timedelta(days=31)),), staff,
                         {"en": "Empty Fair"})
    report = work_out_results(staff, empty.id, "en")
    assert (report.totals.orders, report.totals.units, report.totals.gross.minor, report.oversold) == (0, 0, 0, 0)
    assert report.previous_name.text == "Harvest Week"
    assert report.tables["deals"].rows == [] and report.tables["stores"].rows == []


def test_results_are_kept_a_minute(festival_world, staff, app):
    from campaigns.reporting.festival_results import festival_results
    from tests.reporting.conftest import F, add_deal_order

    app.extensions["festival_results"].clear()
    festival, deals = festival_world["festival"], festival_world["deals"]
    first = festival_results(staff, festival.id, "en")
    add_deal_order(NOW, "USD", [(festival_world["stores"]["EG"], F.PAID, [(deals["untouched"], 1, 500)])],
                   festival_world["shopper"])
    with clock.freeze(NOW + timedelta(seconds=59)):
        assert festival_results(staff, festival.id, "en").totals.orders == first.totals.orders == 6
        assert festival_results(staff, festival.id, "ar").totals.orders == 7  # another language: its own entry
    with clock.freeze(NOW + timedelta(seconds=60)):
        assert festival_results(staff, festival.id, "en").totals.orders == 7
    assert datetime(2026, 11, 20, 9, tzinfo=UTC) == NOW
