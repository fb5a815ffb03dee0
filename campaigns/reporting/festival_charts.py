"""The festival results' charts, worked out from their tables for a reader (language and writing direction)."""
from __future__ import annotations

from dataclasses import dataclass

from babel.numbers import format_decimal

from campaigns.reporting import charts
from campaigns.reporting.currency import Amount
from campaigns.reporting.festival_results import FestivalResults
from campaigns.reporting.tables import ReportTable
from marketplace.core.money import Money

TOP_BARS = 10


@dataclass(frozen=True)
class ResultsCharts:
    funnel: list[charts.FunnelBar]
    waves: charts.BarChart
    stores: charts.BarChart
    products: charts.BarChart
    vendor_countries: charts.BarChart
    buyer_countries: charts.BarChart


def results_charts(report: FestivalResults, rtl: bool) -> ResultsCharts:
    """Every chart of the results page for a reader of its language (`rtl`: a right-to-left page)."""
    language = report.language

    def money_bars(table: ReportTable, key: str) -> charts.BarChart:
        index = [column.key for column in table.columns].index(key)
        items = []
        for row in table.rows[:TOP_BARS]:
            amount: Amount = row[index]
            items.append((str(row[0]), float(amount.minor), Money(amount.minor, amount.currency).format(language)))
        return charts.bar_chart(items, rtl)

    def count_bars(table: ReportTable, key: str) -> charts.BarChart:
        index = [column.key for column in table.columns].index(key)
        return charts.bar_chart([(str(row[0]), float(row[index] or 0), format_decimal(row[index] or 0, locale=language))
                                 for row in table.rows[:TOP_BARS]], rtl)

    tables = report.tables
    return ResultsCharts(
        funnel=charts.funnel([(str(row[0]), row[1]) for row in tables["funnel"].rows]),
        waves=money_bars(tables["waves"], "gross"),
        stores=money_bars(tables["stores"], "gross"),
        products=count_bars(tables["products"], "units"),
        vendor_countries=money_bars(tables["vendor_countries"], "gross"),
        buyer_countries=count_bars(tables["buyer_countries"], "orders"),
    )
