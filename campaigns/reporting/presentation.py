"""The dashboard's charts, worked out from its tables for a reader (their language and writing direction)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from babel.dates import format_skeleton
from babel.numbers import format_compact_decimal, format_decimal, format_percent
from flask_babel import gettext as _

from campaigns.reporting import charts
from campaigns.reporting.dashboard import Dashboard, step_label
from campaigns.reporting.tiles import TileMap, tile_map
from marketplace.core.money import Money

TOP_BARS = 10


@dataclass(frozen=True)
class DashboardCharts:
    sales: charts.LineChart
    sparklines: dict[str, str]
    tiles: TileMap
    categories: charts.BarChart
    funnel: list[charts.FunnelBar]
    buyers: charts.BarChart
    payments: charts.BarChart
    lectures: charts.BarChart


def dashboard_charts(dashboard: Dashboard, rtl: bool) -> DashboardCharts:
    """Every chart of the dashboard for a reader of its language (`rtl`: a right-to-left page)."""
    language, currency = dashboard.language, dashboard.currency
    days = list(dashboard.daily)
    day_labels = [format_skeleton("MMMd", day, locale=language) for day in days]
    gross = [f.gross.minor for f in dashboard.daily.values()]
    net = [f.net.minor for f in dashboard.daily.values()]
    unit = Money(1, currency).to_decimal()

    def axis_money(minor: float) -> str:
        return format_compact_decimal(float(minor) * float(unit), locale=language, fraction_digits=1)

    sales_chart = charts.line_chart(day_labels, [(_("Gross"), gross, "series-gross"),
                                                 (_("Net"), net, "series-net")], axis_money)
    sparklines = {
        "orders": charts.sparkline([f.orders for f in dashboard.daily.values()]),
        "units": charts.sparkline([f.units for f in dashboard.daily.values()]),
        "gross": charts.sparkline(gross),
        "net": charts.sparkline(net),
    }
    tables = dashboard.tables

    def bars(rows: list[list[Any]], label: int, value: int, text) -> charts.BarChart:
        return charts.bar_chart([(str(row[label]), _number(row[value]), text(row)) for row in rows[:TOP_BARS]], rtl)

    number = lambda value: format_decimal(value, locale=language)  # noqa: E731 - a one-line writer
    categories = sorted(tables["categories"].rows, key=lambda row: -row[1])
    lecture_rows = tables["lectures"].rows
    return DashboardCharts(
        sales=sales_chart,
        sparklines=sparklines,
        tiles=tile_map(dashboard.stores_by_country, dashboard.country_names),
        categories=bars(categories, 0, 1, lambda row: number(row[1])),
        funnel=charts.funnel([(step_label(step.key), step.count) for step in dashboard.funnel]),
        buyers=bars(tables["buyers"].rows, 0, 2, lambda row: number(row[2])),
        payments=bars(tables["payments"].rows, 0, 2,
                      lambda row: f"{number(row[2])} ({format_percent((row[3] or 0) / 100, locale=language)})"),
        lectures=bars(lecture_rows, 0, 2, lambda row: _("%(attended)s of %(registered)s attended",
                                                         attended=number(row[4]), registered=number(row[2]))),
    )


def _number(value: Any) -> float:
    return float(value.minor) if hasattr(value, "minor") else float(value or 0)
