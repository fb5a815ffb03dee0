"""The campaign dashboard: every figure staff see for a period, as tables with their charts.

`campaign_dashboard` is the one entry point (the page and the CSV files both call it). It reads the
campaign's zone and reporting currency from the configuration and does a fixed number of grouped
queries whatever the number of orders: sales of closed days come from the daily roll-up (`rollup.py`,
summed once per day), today's from the orders; the rest is bounded by the 54 states, the categories and
the stores that applied in the period. What it worked out is kept `DASHBOARD_CACHE_SECONDS` (a minute)
per period, language and sort, for every staff member (`report_cache.ReportCache`, in Redis with
`REDIS_URL`), so staff reloading the page read a kept dashboard, and today's orders are read about
once a minute whatever the number of staff.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from flask import Flask, current_app
from flask_babel import gettext as _

from campaigns.lectures.display import lecture_title
from campaigns.reporting import campaign, lectures, rollup, sales
from campaigns.reporting.currency import Converter, UsedRate, reporting_converter, total
from campaigns.reporting.festival_results import FestivalLink, recent_festivals
from campaigns.reporting.period import ReportPeriod
from campaigns.reporting.report_cache import ReportCache, report_cache
from campaigns.reporting.tables import CODE, COUNT, DAY, DAYS, MONEY, PERCENT, TEXT, Column, ReportTable
from marketplace.accounts.models import User
from marketplace.catalog.services import country_name, localized
from marketplace.core.errors import PermissionDenied
from marketplace.core.zones import format_in_zone
from marketplace.orders.states import gateway_label

COUNTRY_SORTS = ("country", "code", "stores", "campaign_stores", "pending", "products", "orders", "gross")
DEFAULT_COUNTRY_SORT = "stores"
TABLES = ("goals", "daily", "countries", "categories", "onboarding", "buyers", "payments", "lectures")


@dataclass(frozen=True)
class CountrySort:
    key: str
    descending: bool
    refused: str = ""  # the message when the asked-for column was not one of the table's


def parse_country_sort(key: str | None, order: str | None) -> CountrySort:
    """The countries table's sort from the query (`sort`, `order` asc|desc); an unknown column falls back
    to stores, most first, with a message saying so."""
    key = (key or "").strip()
    if not key:
        return CountrySort(DEFAULT_COUNTRY_SORT, True)
    if key not in COUNTRY_SORTS or (order or "desc") not in ("asc", "desc"):
        return CountrySort(DEFAULT_COUNTRY_SORT, True,
                           _("That sort order is not one the table offers; it is sorted by stores instead."))
    return CountrySort(key, (order or "desc") == "desc")


@dataclass
class Dashboard:
    period: ReportPeriod
    currency: str
    language: str
    tables: dict[str, ReportTable]
    totals: sales.SalesFigures
    daily: dict[date, sales.SalesFigures]
    goals: tuple[campaign.Goal, campaign.Goal]
    stores_by_country: dict[str, int]
    country_names: dict[str, str]
    funnel: list[campaign.FunnelStep]
    rates: list[UsedRate]
    unconverted: list[str]
    country_sort: CountrySort
    festivals: list[FestivalLink]
    computed_at: datetime


def init_cache(app: Flask) -> None:
    """The application's cache of worked-out dashboards (in Redis with `REDIS_URL`, shared by every worker)."""
    app.extensions["campaign_dashboard"] = report_cache(app, int(app.config.get("DASHBOARD_CACHE_SECONDS", 60)))


def _require_staff(user: User) -> None:
    if not user.is_staff:
        raise PermissionDenied(_("Only campaign staff can see the campaign dashboard."))


def campaign_dashboard(staff: User, period: ReportPeriod, language: str,
                       country_sort: CountrySort | None = None) -> Dashboard:
    """Every table and figure of the dashboard for `period`, written for a reader of `language`, worked out
    at most once every `DASHBOARD_CACHE_SECONDS` for every staff member (in Redis with `REDIS_URL`);
    PermissionDenied for anyone but staff."""
    _require_staff(staff)
    sort = country_sort or CountrySort(DEFAULT_COUNTRY_SORT, True)
    cache: ReportCache = current_app.extensions["campaign_dashboard"]
    kept = cache.get_or_work_out(cache_key(period, language, sort),
                                 lambda now: work_out_dashboard(period, language, sort, now), language=language)
    return replace(kept, country_sort=sort)  # the message about a refused sort is this request's


def cache_key(period: ReportPeriod, language: str, sort: CountrySort) -> str:
    """The name a worked-out dashboard is kept under (its HTML under this name, its time and the sort's message)."""
    return (f"dashboard:{period.zone}:{period.first}:{period.last}:{language}:{sort.key}:{int(sort.descending)}:"
            f"{current_app.config['REPORTING_CURRENCY']}")


def work_out_dashboard(period: ReportPeriod, language: str, sort: CountrySort, now: datetime) -> Dashboard:
    """The dashboard read afresh from the database (what the cache keeps)."""
    config = current_app.config
    converter = reporting_converter(config["REPORTING_CURRENCY"])
    rows = rollup.sales_rows(period) if config.get("REPORTING_ROLLUP", True) else sales.live_rows(period)
    daily = sales.daily_sales(rows, period, converter)
    totals = sales.SalesFigures(converter.currency)
    for figures in daily.values():
        totals.add(figures)
    goals = campaign.campaign_goals(config["CAMPAIGN_STORE_TARGET"], config["CAMPAIGN_PRODUCT_TARGET"])
    counts = campaign.counts_by_country()
    names = {code: country_name(code, language) for code in counts}
    funnel = campaign.onboarding_funnel(period)
    tables = {
        "goals": _goals_table(goals),
        "daily": _daily_table(daily, totals),
        "countries": _countries_table(counts, sales.sales_by_vendor_country(rows, converter), names, sort,
                                      converter),
        "categories": _categories_table(campaign.counts_by_category(), sales.sales_by_category(rows, converter),
                                        language, converter),
        "onboarding": _onboarding_table(funnel),
        "buyers": _buyers_table(sales.sales_by_buyer_country(rows, converter), language, converter),
        "payments": _payments_table(sales.sales_by_payment_method(rows, converter), converter),
        "lectures": _lectures_table(lectures.lecture_figures(period), period, language),
    }
    return Dashboard(period, converter.currency, language, tables, totals, daily, goals,
                     {code: count.stores for code, count in counts.items()}, names, funnel,
                     converter.rates_used(), sorted(converter.unconverted), sort,
                     recent_festivals(language, now), now)


def _goals_table(goals: tuple[campaign.Goal, campaign.Goal]) -> ReportTable:
    stores, products = goals
    return ReportTable("goals", _("Toward 100 stores and 1,000 products"), [
        Column("measure", _("Campaign")), Column("live", _("Live"), COUNT), Column("target", _("Target"), COUNT),
        Column("slots_used", _("Campaign slots used"), COUNT), Column("slot_limit", _("Campaign slots"), COUNT),
        Column("pending", _("Waiting for review"), COUNT),
    ], [
        [_("Stores"), stores.live, stores.target, stores.slots_used, stores.slot_limit, stores.pending],
        [_("Products"), products.live, products.target, products.slots_used, products.slot_limit, products.pending],
    ])


def _daily_table(daily: dict[date, sales.SalesFigures], totals: sales.SalesFigures) -> ReportTable:
    return ReportTable("daily", _("Orders, units and sales per day"), [
        Column("day", _("Day"), DAY), Column("orders", _("Orders"), COUNT), Column("units", _("Units"), COUNT),
        Column("gross", _("Gross sales"), MONEY), Column("net", _("Net of refunds and cancellations"), MONEY),
    ], [[day, f.orders, f.units, f.gross, f.net] for day, f in daily.items()],
        [_("Total"), totals.orders, totals.units, totals.gross, totals.net])


def _countries_table(counts: dict[str, campaign.CountryCount], sold: dict[str, sales.SalesFigures],
                     names: dict[str, str], sort: CountrySort, converter: Converter) -> ReportTable:
    empty = sales.SalesFigures(converter.currency)
    rows = [[names[code], code, count.stores, count.campaign_stores, count.pending_stores, count.products,
             sold.get(code, empty).orders, sold.get(code, empty).gross] for code, count in counts.items()]
    index = COUNTRY_SORTS.index(sort.key)
    rows.sort(key=lambda row: row[0])  # ties stay in name order (a stable sort keeps it, reversed or not)
    rows.sort(key=lambda row: row[index].minor if sort.key == "gross" else row[index], reverse=sort.descending)
    table = ReportTable("countries", _("By country"), [
        Column("country", _("Country")), Column("code", _("ISO code"), CODE), Column("stores", _("Stores"), COUNT),
        Column("campaign_stores", _("Campaign stores"), COUNT), Column("pending", _("Applications waiting"), COUNT),
        Column("products", _("Products live"), COUNT), Column("orders", _("Vendor orders"), COUNT),
        Column("gross", _("Gross sales"), MONEY),
    ], rows, sortable=True, sort=sort.key, descending=sort.descending)
    table.totals = [_("Total"), "", *(table.column_sums(c) for c in
                                      ("stores", "campaign_stores", "pending", "products", "orders")),
                    total((row[7] for row in rows), converter.currency)]
    return table


def _categories_table(counts: list[campaign.CategoryCount], sold: dict[int, sales.SalesFigures], language: str,
                      converter: Converter) -> ReportTable:
    empty = sales.SalesFigures(converter.currency)
    rows = []
    for count in counts:
        name = localized(count.category.texts, language, None, "name").text or count.category.slug
        figures = sold.get(count.category.id, empty)
        rows.append([name, count.products, count.campaign_products, figures.units, figures.gross])
    table = ReportTable("categories", _("By category"), [
        Column("category", _("Category")), Column("products", _("Products live"), COUNT),
        Column("campaign_products", _("Campaign products"), COUNT), Column("units", _("Units sold"), COUNT),
        Column("gross", _("Gross sales"), MONEY),
    ], rows)
    table.totals = [_("Total"), table.column_sums("products"), table.column_sums("campaign_products"),
                    table.column_sums("units"), total((row[4] for row in rows), converter.currency)]
    return table


def step_label(key: str) -> str:
    """The onboarding step's name."""
    return {"started": _("Applications started"), "submitted": _("Applications submitted"),
            "approved": _("Applications approved"), "live": _("First product live")}[key]


def _onboarding_table(funnel: list[campaign.FunnelStep]) -> ReportTable:
    first = funnel[0].count
    return ReportTable("onboarding", _("Onboarding"), [
        Column("step", _("Step")), Column("stores", _("Stores"), COUNT),
        Column("share", _("Of those started"), PERCENT),
        Column("median_days", _("Median days from the step before"), DAYS),
    ], [[step_label(step.key), step.count, round(100 * step.count / first) if first else None, step.median_days]
        for step in funnel])


def _buyers_table(sold: dict[str, sales.SalesFigures], language: str, converter: Converter) -> ReportTable:
    rows = [[country_name(code, language) if code else _("No delivery address"), code, f.orders, f.gross, f.net]
            for code, f in sold.items()]
    rows.sort(key=lambda row: (-row[2], row[0]))
    table = ReportTable("buyers", _("Buyer countries"), [
        Column("country", _("Country")), Column("code", _("ISO code"), CODE), Column("orders", _("Orders"), COUNT),
        Column("gross", _("Gross sales"), MONEY), Column("net", _("Net of refunds and cancellations"), MONEY),
    ], rows)
    table.totals = [_("Total"), "", table.column_sums("orders"), total((row[3] for row in rows), converter.currency),
                    total((row[4] for row in rows), converter.currency)]
    return table


def _payments_table(sold: dict[str, sales.SalesFigures], converter: Converter) -> ReportTable:
    orders = sum(f.orders for f in sold.values())
    rows = [[gateway_label(gateway), gateway, f.orders, round(100 * f.orders / orders) if orders else None, f.gross]
            for gateway, f in sorted(sold.items(), key=lambda item: (-item[1].orders, item[0]))]
    table = ReportTable("payments", _("Payment methods"), [
        Column("method", _("Payment method")), Column("code", _("Code"), CODE), Column("orders", _("Orders"), COUNT),
        Column("share", _("Share of orders"), PERCENT), Column("gross", _("Gross sales"), MONEY),
    ], rows)
    table.totals = [_("Total"), "", orders, 100 if orders else None,
                    total((row[4] for row in rows), converter.currency)]
    return table


def _lectures_table(figures: list[lectures.LectureFigures], period: ReportPeriod, language: str) -> ReportTable:
    rows = [[lecture_title(f.lecture, language).text,
             format_in_zone(f.lecture.starts_at, period.zone, language, "short"),
             f.registered, f.waiting, f.attended, f.attendance_percent] for f in figures]
    table = ReportTable("lectures", _("Lectures: registrations and attendance"), [
        Column("lecture", _("Lecture")), Column("starts", _("Starts"), TEXT),
        Column("registered", _("Registered"), COUNT), Column("waiting", _("Waiting list"), COUNT),
        Column("attended", _("Attended"), COUNT), Column("attendance", _("Attendance"), PERCENT),
    ], rows)
    registered, attended = table.column_sums("registered"), table.column_sums("attended")
    table.totals = [_("Total"), "", registered, table.column_sums("waiting"), attended,
                    round(100 * attended / registered) if registered else None]
    return table
