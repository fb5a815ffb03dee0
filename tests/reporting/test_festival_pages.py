"""The festival results page and its CSV files: who may open them, unknown festivals, charts as SVG with
their tables, CSV sums equal to the page's, the refresh promise while live, the links to it, and Arabic."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest

from campaigns.reporting.festival_results import RESULT_TABLES
from marketplace.accounts.models import Role
from marketplace.core import clock
from tests.reporting.conftest import FESTIVAL_WAVES, NOW
from tests.reporting.test_dashboard_pages import FIGURE, SVG, parse_svg


@pytest.fixture
def staff_client(client, login, staff, festival_world, app):
    app.extensions["festival_results"].clear()
    login(staff)
    return client


def results_url(festival, language: str = "en") -> str:
    return f"/{language}/staff/festivals/{festival.id}/results"


@pytest.mark.parametrize("role", [Role.SHOPPER, Role.VENDOR])
def test_only_staff_open_the_results_and_their_files(client, login, make_user, festival_world, role):
    url = results_url(festival_world["festival"])
    assert client.get(url).status_code == 302  # to log in
    assert client.get(url + "/waves.csv").status_code == 302
    login(make_user(role=role))
    assert client.get(url).status_code == 403
    page = client.get(url + "/deals.csv")
    assert page.status_code == 403 and "Kente" not in page.get_data(as_text=True)


def test_an_unknown_festival_or_table_is_not_found(staff_client, festival_world):
    assert staff_client.get("/en/staff/festivals/999999/results").status_code == 404
    assert staff_client.get("/en/staff/festivals/999999/results/waves.csv").status_code == 404
    assert staff_client.get(results_url(festival_world["festival"]) + "/orders.csv").status_code == 404


def test_the_page_shows_the_figures_charts_and_the_refresh_promise(staff_client, festival_world):
    page = staff_client.get(results_url(festival_world["festival"]))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Results: Harvest Week" in html and "Spring Fair" in html
    assert '<meta http-equiv="refresh" content="60">' in html
    assert "reloads itself every 60 seconds" in html and "Figures as of" in html
    assert re.search(r'data-figure="oversold">0<', html) and re.search(r'data-figure="reserved">2<', html)
    assert "$180.40" in html  # gross: the yuan and euro orders converted, the pound kept apart
    assert "2h 5m" in html  # the cloth deal sold out 2 h 05 after its wave opened
    for figure in FIGURE.findall(html):
        svg = parse_svg(re.search(r"<svg.*?</svg>", figure, re.S).group(0))
        assert svg.find(f"{SVG}title").text and svg.find(f"{SVG}desc").text
        assert "<table" in figure  # the chart's data table under it
    assert len(FIGURE.findall(html)) == 6


def test_after_the_festival_the_page_does_not_reload(staff_client, festival_world):
    with clock.freeze(FESTIVAL_WAVES[1][1] + timedelta(hours=1)):
        html = staff_client.get(results_url(festival_world["festival"])).get_data(as_text=True)
    assert 'http-equiv="refresh"' not in html and "Ended" in html


def test_the_figures_are_kept_a_minute_and_the_page_says_as_of_when(staff_client, festival_world):
    from tests.reporting.conftest import F, add_deal_order

    url = results_url(festival_world["festival"]) + "/comparison.csv"

    def orders_now() -> str:
        rows = list(csv.reader(io.StringIO(staff_client.get(url).get_data(as_text=True).lstrip("\ufeff"))))
        return rows[1][1]

    assert orders_now() == "6"
    add_deal_order(NOW, "USD", [(festival_world["stores"]["EG"], F.PAID, [(festival_world["deals"]["untouched"], 1, 500)])],
                   festival_world["shopper"])
    with clock.freeze(NOW + timedelta(seconds=30)):
        assert orders_now() == "6"
    with clock.freeze(NOW + timedelta(seconds=61)):
        assert orders_now() == "7"


def test_csv_sums_equal_the_page(staff_client, festival_world):
    url = results_url(festival_world["festival"])
    for table in RESULT_TABLES:
        response = staff_client.get(f"{url}/{table}.csv")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert response.get_data().startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(staff_client.get(f"{url}/waves.csv").get_data(as_text=True).lstrip("\ufeff"))))
    waves, total = rows[:-1], rows[-1]
    assert sum(int(row["units"]) for row in waves) == int(total["units"]) == 11
    assert total["gross_usd"] == "180.40" and total["gross_not_converted"] == "GBP 7.00"
    buyers = list(csv.DictReader(io.StringIO(
        staff_client.get(f"{url}/buyer_countries.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert sum(int(row["orders"]) for row in buyers[:-1]) == int(buyers[-1]["orders"]) == 6


def test_store_names_cannot_run_as_formulas_in_the_files(staff_client, festival_world):
    from marketplace.extensions import db

    festival_world["stores"]["GH"].name = '=HYPERLINK("evil")'
    db.session.commit()
    text = staff_client.get(results_url(festival_world["festival"]) + "/stores.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text


def test_the_results_in_arabic_mirror_their_bars(staff_client, festival_world):
    html = staff_client.get(results_url(festival_world["festival"], "ar")).get_data(as_text=True)
    assert 'dir="rtl"' in html and "أسبوع الحصاد" in html and "قماش كنتي" in html
    assert 'direction="rtl"' in html


def test_staff_reach_the_results_from_the_festival_pages_and_the_dashboard(staff_client, festival_world):
    link = results_url(festival_world["festival"])
    festival = festival_world["festival"]
    assert link in staff_client.get(f"/en/staff/festivals/{festival.id}").get_data(as_text=True)
    assert link in staff_client.get("/en/staff/festivals/").get_data(as_text=True)
    dashboard = staff_client.get("/en/staff/dashboard/").get_data(as_text=True)
    assert link in dashboard and results_url(festival_world["before"]) in dashboard
    assert dashboard.index("Harvest Week") < dashboard.index("Spring Fair")  # the latest first
