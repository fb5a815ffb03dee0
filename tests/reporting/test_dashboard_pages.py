"""The dashboard page and its CSV files: who may open them, bad periods, charts as SVG with their tables,
CSV sums equal to the page's, and the page in Arabic and Chinese."""
from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

import pytest

from campaigns.reporting.dashboard import TABLES, campaign_dashboard
from campaigns.reporting.period import ReportPeriod
from marketplace.accounts.models import Role
from tests.factories import create_category

SVG = "{http://www.w3.org/2000/svg}"
PERIOD = "from=2026-11-10&to=2026-11-15"
def parse_svg(text: str) -> ET.Element:
    """The SVG as XML (our own page's markup, so no hostile entities to defuse)."""
    return ET.fromstring(text)  # noqa: S314 - the app's own output, parsed to prove it is well-formed XML


FIGURE = re.compile(r"<figure class=\"chart[^\"]*\">(.*?)</figure>", re.S)


@pytest.fixture
def staff_client(client, login, staff, campaign_world):
    login(staff)
    return client


@pytest.mark.parametrize("role", [Role.SHOPPER, Role.VENDOR])
def test_only_staff_open_the_dashboard_and_its_files(client, login, make_user, frozen, role):
    assert client.get("/en/staff/dashboard/").status_code == 302  # to log in
    assert client.get("/en/staff/dashboard/daily.csv").status_code == 302
    login(make_user(role=role))
    assert client.get("/en/staff/dashboard/").status_code == 403
    assert client.get("/en/staff/dashboard/daily.csv").status_code == 403


def test_staff_reach_it_from_the_staff_home_and_menu(staff_client):
    page = staff_client.get("/en/staff/").get_data(as_text=True)
    assert page.count('href="/en/staff/dashboard/"') >= 2  # the menu entry and the panel's button


def test_the_page_shows_the_period_in_the_campaign_zone_and_the_rates(staff_client):
    response = staff_client.get(f"/en/staff/dashboard/?{PERIOD}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Nairobi" in page and "(6 days)" in page
    assert "1 EUR = 1.1 USD (stored on Nov 1, 2026)" in page
    assert "from GBP" in page  # the pound order is kept apart, said so
    assert "$181.61" in page  # gross: 50.00 + 12.00 + 60.50 + 48.00 + 11.11
    # net: less the cancelled USD 48.00, the refunded EUR 20.00 (USD 22.00) and USD 10.00 refunded of a delivered part
    assert "$101.61" in page
    assert "$36.32" in page  # the average order: the pound order, not converted, is left out of it


def test_default_period_is_the_last_30_days(staff_client):
    page = staff_client.get("/en/staff/dashboard/").get_data(as_text=True)
    assert 'value="2026-10-22"' in page and 'value="2026-11-20"' in page
    assert "(30 days)" in page


@pytest.mark.parametrize("query, message", [
    ("from=2026-11-15&to=2026-11-10", "The last day must not be before the first day."),
    ("from=15/11/2026&to=2026-11-20", "Enter a date as YYYY-MM-DD"),
    ("from=2026-02-30&to=2026-11-20", "Enter a date as YYYY-MM-DD"),
    ("from=2024-01-01&to=2026-11-20", "Choose at most 366 days."),
    ("from=2026-11-01&to=2026-12-25", "Choose a day up to today (2026-11-20)."),
    ("from=1999-01-01&to=1999-02-01", "Choose a day from 2020-01-01 on."),
])
def test_bad_periods_are_refused_with_a_message(staff_client, query, message):
    response = staff_client.get(f"/en/staff/dashboard/?{query}")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and "chart-svg" not in page
    export = staff_client.get(f"/en/staff/dashboard/daily.csv?{query}")
    assert export.status_code == 302 and "/en/staff/dashboard/?" in export.headers["Location"]


def test_every_chart_is_svg_that_parses_with_title_desc_and_its_table(staff_client):
    page = staff_client.get(f"/en/staff/dashboard/?{PERIOD}").get_data(as_text=True)
    figures = FIGURE.findall(page)
    assert len(figures) == 7
    for figure in figures:
        svg = re.search(r"<svg.*?</svg>", figure, re.S).group(0)
        root = parse_svg(svg)
        assert root.tag == f"{SVG}svg" and root.get("role") == "img"
        assert root.find(f"{SVG}title").text and root.find(f"{SVG}desc").text
        assert "<table" in figure and "<script" not in figure
    tiles = parse_svg(re.search(r"<svg[^>]*aria-labelledby=\"chart-countries.*?</svg>", page, re.S).group(0))
    assert len(tiles.findall(f"{SVG}g/{SVG}g")) == 54
    for sparkline in re.findall(r"<svg[^>]*class=\"sparkline\".*?</svg>", page, re.S):
        parse_svg(sparkline)


def test_the_country_table_sorts_by_query_parameter(staff_client):
    page = staff_client.get(f"/en/staff/dashboard/?{PERIOD}&sort=country&order=asc").get_data(as_text=True)
    table = page[page.index('data-table="countries"'):]
    names = re.findall(r"<tr><th scope=\"row\">([^<]+)</th>", table)
    assert names[:3] == ["Algeria", "Angola", "Benin"]
    assert 'aria-sort="ascending"' in table
    page = staff_client.get(f"/en/staff/dashboard/?{PERIOD}&sort=gross&order=desc").get_data(as_text=True)
    table = page[page.index('data-table="countries"'):]
    assert re.findall(r"<tr><th scope=\"row\">([^<]+)</th>", table)[:2] == ["Kenya", "Ghana"]  # 93.11 and 88.50
    refused = staff_client.get(f"/en/staff/dashboard/?{PERIOD}&sort=password").get_data(as_text=True)
    assert "sorted by stores instead" in refused


@pytest.mark.parametrize("table", TABLES)
def test_csv_files_add_up_to_the_dashboard(staff_client, staff, table):
    report = campaign_dashboard(staff, ReportPeriod(date(2026, 11, 10), date(2026, 11, 15), "Africa/Nairobi"), "en")
    response = staff_client.get(f"/en/staff/dashboard/{table}.csv?{PERIOD}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert f"campaign-{table}-2026-11-10-2026-11-15.csv" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    shown = report.tables[table]
    has_totals = shown.totals is not None
    data = rows[:-1] if has_totals else rows
    assert len(data) == len(shown.rows)
    for column in shown.columns:
        if column.kind == "count":
            assert sum(int(row[column.key]) for row in data) == shown.column_sums(column.key), column.key
        if column.kind == "money":
            key = f"{column.key}_usd"
            total = sum(Decimal(row[key]) for row in data)
            assert total * 100 == shown.column_sums(column.key), column.key
            if has_totals:
                assert Decimal(rows[-1][key]) == total
    if table == "daily":
        assert sum(Decimal(row["gross_usd"]) for row in data) == Decimal("181.61")
        assert (rows[4]["gross_not_converted"], rows[4]["net_not_converted"]) == ("GBP 9.00", "GBP 9.00")


def test_csv_cells_from_people_never_run_as_formulas(staff_client):
    create_category("formula", {"en": "=SUM(A1:A9)"})
    body = staff_client.get(f"/en/staff/dashboard/categories.csv?{PERIOD}").get_data().decode("utf-8-sig")
    assert "'=SUM(A1:A9)" in body and "\n=SUM" not in body


@pytest.mark.parametrize("lang, words", [("ar", ["لوحة", "البيع إلى الصين"]), ("zh", ["活动", "肯尼亚"])])
def test_the_page_renders_in_arabic_and_chinese(staff_client, lang, words):
    response = staff_client.get(f"/{lang}/staff/dashboard/?{PERIOD}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert all(word in page for word in words)
    for figure in FIGURE.findall(page):
        parse_svg(re.search(r"<svg.*?</svg>", figure, re.S).group(0))
    if lang == "ar":
        assert 'dir="rtl"' in page
        # Bar labels start at the right edge and read right to left.
        assert re.search(r'<text x="400" y="12" [^>]*text-anchor="start" direction="rtl">البيع إلى الصين</text>', page)
