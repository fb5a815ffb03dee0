"""Staff read the campaign dashboard in Arabic on a 360 px phone: it fits the screen, its charts are SVG
whose labels run right to left from the right edge, and each chart's table follows it."""
from __future__ import annotations

import os
from pathlib import Path

from campaigns.demo.seed import DEMO_PASSWORD


def test_the_dashboard_reads_right_to_left_on_a_phone(live_server, phone, check_accessibility, tmp_path):
    page = phone
    page.goto(f"{live_server}/ar/account/login")
    page.fill("#email", "staff@example.com")
    page.fill("#password", DEMO_PASSWORD)
    page.locator("form button[type=submit].primary").click()
    page.wait_for_load_state()
    page.goto(f"{live_server}/ar/staff/")
    page.locator("#campaign-dashboard-title ~ p a.button").click()
    page.wait_for_url("**/ar/staff/dashboard/")
    check_accessibility(page)
    shots = Path(os.environ.get("E2E_SHOTS", tmp_path))
    page.screenshot(path=str(shots / "dashboard-ar-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.evaluate("document.documentElement.dir") == "rtl"

    chart = page.locator("svg[aria-labelledby^='chart-categories']")
    box = chart.bounding_box()
    label = chart.locator("text").first
    assert label.get_attribute("direction") == "rtl"
    label_box = label.bounding_box()
    # The first category's name ends at the chart's right edge and its bar grows leftwards under it.
    assert abs((label_box["x"] + label_box["width"]) - (box["x"] + box["width"])) < 4
    bar = chart.locator("rect").first.bounding_box()
    assert abs((bar["x"] + bar["width"]) - (box["x"] + box["width"])) < 2
    # The two lines' names after their last points do not overlap, even when the lines end together.
    names = [box for box in (text.bounding_box() for text in
                             page.locator("svg[aria-labelledby^='chart-daily'] text[font-weight='600']").all())]
    assert len(names) == 2
    first, second = sorted(names, key=lambda box: box["y"])
    assert first["y"] + first["height"] <= second["y"] + 1
    # The daily table fits the phone's width: no sideways scrolling to read a day's figures.
    daily = page.locator(".table-wrap:has(table[data-table='daily'])")
    assert daily.evaluate("wrap => wrap.scrollWidth <= wrap.clientWidth + 1")
    # Every chart is followed, inside its figure, by the table of its numbers.
    figures = page.locator("figure.chart")
    assert figures.count() == 7
    for index in range(figures.count()):
        assert figures.nth(index).locator("svg.chart-svg").count() == 1
        assert figures.nth(index).locator("table").count() == 1
