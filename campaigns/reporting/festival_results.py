"""A festival's results for staff: sales, waves, deals, best stores and products, countries, and the
previous festival beside it.

`festival_results` is the one entry point (the page and its CSV files both call it). While a festival
runs its figures change by the minute, so they are kept for `REFRESH_SECONDS` per festival and
language (`report_cache.ReportCache`: in Redis with `REDIS_URL`, so however many staff on however many
machines reload the page, the orders are read about once a minute). The kept results hold plain values
only (texts, numbers, amounts), never database rows.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flask import Flask, current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from campaigns.festivals import phases
from campaigns.festivals.display import festival_name
from campaigns.festivals.labels import DEAL_STATUS_LABELS
from campaigns.festivals.models import Deal, Festival, Wave
from campaigns.reporting import festival_figures as figures
from campaigns.reporting.currency import Amount, Converter, UsedRate, reporting_converter, total
from campaigns.reporting.models import FunnelStep
from campaigns.reporting.report_cache import ReportCache, report_cache
from campaigns.reporting.sales import SalesFigures
from campaigns.reporting.tables import CODE, COUNT, MINUTES, MONEY, PERCENT, TEXT, Column, ReportTable
from marketplace.accounts.models import User
from marketplace.catalog.services import LocalText, country_name, localized
from marketplace.core import clock
from marketplace.core.errors import NotFound, PermissionDenied
from marketplace.core.zones import format_in_zone
from marketplace.extensions import db

REFRESH_SECONDS = 60
TOP = 5
RUNNING = (phases.Phase.LIVE, phases.Phase.INTERVAL, phases.Phase.PAUSED)
RESULT_TABLES = ("comparison", "funnel", "waves", "deals", "stores", "products", "vendor_countries", "buyer_countries")


@dataclass
class FestivalResults:
    festival_id: int
    name: LocalText
    zone: str
    phase: phases.Phase
    computed_at: datetime
    currency: str
    language: str
    totals: SalesFigures
    reserved: int  # units held now by checkouts waiting for payment
    oversold: int  # deals sold past their cap, and products below zero stock: must be 0
    previous_name: LocalText | None
    previous_totals: SalesFigures | None
    tables: dict[str, ReportTable]
    rates: list[UsedRate] = field(default_factory=list)
    unconverted: list[str] = field(default_factory=list)

    @property
    def running(self) -> bool:
        """Whether the festival is on (a wave open, between waves or paused): its figures still move."""
        return self.phase in RUNNING

    def change(self, attribute: str) -> int | None:
        """This festival's figure against the previous one's, in percent (None without a previous one or
        when it was zero)."""
        if self.previous_totals is None:
            return None
        now, before = (_plain(getattr(t, attribute)) for t in (self.totals, self.previous_totals))
        return round(100 * (now - before) / before) if before else None


def _plain(value) -> int:
    return value.minor if isinstance(value, Amount) else int(value)


def init_cache(app: Flask) -> None:
    """The application's cache of festival results (in Redis with `REDIS_URL`, shared by every worker)."""
    app.extensions["festival_results"] = report_cache(app, REFRESH_SECONDS)


def festival_results(staff: User, festival_id: int, language: str) -> FestivalResults:
    """The festival's results for a reader of `language`, worked out at most once a minute per worker;
    PermissionDenied for anyone but staff, NotFound for an unknown festival."""
    _require_staff(staff)
    cache: ReportCache = current_app.extensions["festival_results"]
    key = f"festival:{festival_id}:{language}:{current_app.config['REPORTING_CURRENCY']}"
    return cache.get_or_work_out(key, lambda now: read_results(festival_id, language, now), language=language)


def _require_staff(user: User) -> None:
    if not user.is_staff:
        raise PermissionDenied(_("Only campaign staff can see festival results."))


@dataclass
class _Sold:
    """Sums of several deals."""

    deals: int = 0
    offered: int = 0
    taken: int = 0
    sold_out: int = 0
    sales: figures.DealSales = field(default_factory=figures.DealSales)

    def add(self, counts: tuple[int, int], sold: figures.DealSales | None) -> None:
        offered, taken = counts
        self.deals += 1
        self.offered += offered
        self.taken += taken
        self.sold_out += bool(offered) and taken >= offered
        if sold is not None:
            self.sales.add(sold)

    @property
    def sell_through(self) -> int | None:
        return round(100 * self.taken / self.offered) if self.offered else None


def work_out_results(staff: User, festival_id: int, language: str, now: datetime | None = None) -> FestivalResults:
    """The festival's results read afresh from the database (what the cache keeps); the errors of
    `festival_results`."""
    _require_staff(staff)
    return read_results(festival_id, language, now)


def read_results(festival_id: int, language: str, now: datetime | None = None) -> FestivalResults:
    """The festival's results read from the database for a caller that checked the reader is staff (the
    cache's refreshing thread); NotFound for an unknown festival."""
    festival = db.session.get(Festival, festival_id)
    if festival is None:
        raise NotFound(_("There is no such festival."))
    now = now or clock.now()
    converter = reporting_converter(current_app.config["REPORTING_CURRENCY"])
    deals = figures.festival_deals(festival.id)
    deal_ids = [deal.id for deal in deals]
    sold = figures.deal_sales(deal_ids)
    reserved = figures.reserved_now(deal_ids, now)
    totals = _totals(deals, sold, converter)
    seats = figures.experience_seats(deals)
    counts = offered_and_taken(deals, seats)
    # A goods deal is oversold when more units were taken than its cap; an experience deal when a date sold
    # more festival seats than the cap (its sales add up over every date, so their sum says nothing).
    oversold = sum(seats[deal.id].over_cap if deal.id in seats else 0 for deal in deals)
    oversold += sum(1 for deal in deals if not deal.product.is_experience and (deal.sold > deal.cap or (
        sold[deal.id].net_units if deal.id in sold else 0) + reserved.get(deal.id, 0) > deal.cap))
    oversold += figures.negative_stock(sorted({deal.product_id for deal in deals}))
    previous = previous_festival(festival)
    previous_totals = None
    if previous is not None:
        previous_deals = figures.festival_deals(previous.id)
        previous_totals = _totals(previous_deals, figures.deal_sales([d.id for d in previous_deals]), converter)
    name = festival_name(festival, language)
    tables = {
        "comparison": _comparison_table(name, totals, previous, previous_totals, language),
        "funnel": _funnel_table(figures.journey_counts(festival.id), figures.lines_bought(deal_ids)),
        "waves": _waves_table(festival, deals, counts, sold, totals.orders, language, converter),
        "deals": _deals_table(festival, deals, counts, sold, reserved, figures.sold_out_at(deals, now), language),
        **_store_tables(deals, sold, language, converter),
        "buyer_countries": _buyers_table(figures.sales_by_buyer_country(deal_ids, converter), language, converter),
    }
    return FestivalResults(
        festival.id, name, festival.time_zone, phases.phase_at(festival, now), now, converter.currency, language,
        totals, sum(reserved.values()), oversold, festival_name(previous, language) if previous else None,
        previous_totals, tables, converter.rates_used(), sorted(converter.unconverted))


@dataclass(frozen=True)
class FestivalLink:
    """A festival named on the dashboard, with a link to its results."""

    festival_id: int
    name: LocalText
    phase: phases.Phase


def recent_festivals(language: str, now: datetime, limit: int = 10) -> list[FestivalLink]:
    """The festivals whose first wave opens latest (running and coming ones first), at most `limit`."""
    first = func.min(Wave.starts_at).label("first")
    ids = [festival_id for festival_id, _ in db.session.execute(
        select(Wave.festival_id, first).group_by(Wave.festival_id).order_by(first.desc(), Wave.festival_id.desc())
        .limit(limit))]
    festivals = {f.id: f for f in db.session.scalars(select(Festival).where(Festival.id.in_(ids)))} if ids else {}
    return [FestivalLink(i, festival_name(festivals[i], language), phases.phase_at(festivals[i], now)) for i in ids]


def previous_festival(festival: Festival) -> Festival | None:
    """The festival whose first wave opened last before this one's (None for the first festival)."""
    if festival.starts_at is None:
        return None
    first = func.min(Wave.starts_at)
    found = db.session.execute(
        select(Wave.festival_id, first).where(Wave.festival_id != festival.id).group_by(Wave.festival_id)
        .having(first < festival.starts_at).order_by(first.desc(), Wave.festival_id.desc()).limit(1)
    ).first()
    return db.session.get(Festival, found[0]) if found else None


def _totals(deals: list[Deal], sold: dict[int, figures.DealSales], converter: Converter) -> SalesFigures:
    totals = figures.order_counts([deal.id for deal in deals], converter)
    every = figures.DealSales()
    for deal_sales in sold.values():
        every.add(deal_sales)
    totals.units, totals.net_units = every.units, every.net_units
    totals.gross, totals.net = every.gross(converter), every.net(converter)
    return totals


def _average(totals: SalesFigures, currency: str) -> Amount:
    average = Amount(currency)
    average.minor = totals.average_order
    return average


def _comparison_table(name: LocalText, totals: SalesFigures, previous: Festival | None,
                      previous_totals: SalesFigures | None, language: str) -> ReportTable:
    rows = [[name.text, totals.orders, totals.units, totals.gross, totals.net, _average(totals, totals.currency)]]
    if previous is not None and previous_totals is not None:
        rows.append([festival_name(previous, language).text, previous_totals.orders, previous_totals.units,
                     previous_totals.gross, previous_totals.net, _average(previous_totals, totals.currency)])
    return ReportTable("comparison", _("This festival and the one before"), [
        Column("festival", _("Festival")), Column("orders", _("Orders"), COUNT), Column("units", _("Units"), COUNT),
        Column("gross", _("Gross sales"), MONEY), Column("net", _("Net of refunds and cancellations"), MONEY),
        Column("average_order", _("Average order"), MONEY),
    ], rows)


def funnel_step_label(step: str) -> str:
    """A step of the festival's funnel as the page names it."""
    return {FunnelStep.PRODUCT_VIEW: _("Deal views"), FunnelStep.ADD_TO_CART: _("Added to cart"),
            FunnelStep.CHECKOUT_START: _("Checkouts started"), "bought": _("Bought")}[step]


def _funnel_table(counts: dict[str, int], bought: int) -> ReportTable:
    steps = [(step.value, counts.get(step.value, 0)) for step in FunnelStep] + [("bought", bought)]
    first = steps[0][1]
    return ReportTable("funnel", _("From deal views to purchases"), [
        Column("step", _("Step")), Column("count", _("Times"), COUNT), Column("share", _("Of deal views"), PERCENT),
    ], [[funnel_step_label(step), count, round(100 * count / first) if first else None] for step, count in steps])


def offered_and_taken(deals: list[Deal], seats: dict[int, figures.DateSeats]) -> dict[int, tuple[int, int]]:
    """Units each deal offered and took: a goods deal's cap and units sold; an experience deal's festival seats
    over every date it has (cap × dates) and those taken."""
    counts = {}
    for deal in deals:
        if deal.product.is_experience:
            found = seats.get(deal.id)
            counts[deal.id] = (found.offered, found.taken) if found else (0, 0)
        else:
            counts[deal.id] = (deal.cap, deal.sold)
    return counts


def _waves_table(festival: Festival, deals: list[Deal], counts: dict[int, tuple[int, int]],
                 sold: dict[int, figures.DealSales], orders_in_all: int, language: str,
                 converter: Converter) -> ReportTable:
    by_wave: dict[int, _Sold] = {wave.id: _Sold() for wave in festival.waves}
    every = _Sold()
    for deal in deals:
        by_wave[deal.wave_id].add(counts[deal.id], sold.get(deal.id))
        every.add(counts[deal.id], sold.get(deal.id))
    rows = []
    for number, wave in enumerate(festival.waves, 1):
        wave_sold = by_wave[wave.id]
        orders = figures.order_counts([deal.id for deal in deals if deal.wave_id == wave.id], converter).orders
        rows.append([_("Wave %(number)d", number=number),
                     format_in_zone(wave.starts_at, festival.time_zone, language, "short"),
                     wave_sold.deals, wave_sold.offered, orders, wave_sold.sales.units,
                     wave_sold.sales.gross(converter), wave_sold.sales.net(converter),
                     wave_sold.sell_through, wave_sold.sold_out])
    table = ReportTable("waves", _("Waves"), [
        Column("wave", _("Wave")), Column("starts", _("Opens"), TEXT), Column("deals", _("Deals"), COUNT),
        Column("offered", _("Units offered"), COUNT), Column("orders", _("Orders"), COUNT),
        Column("units", _("Units sold"), COUNT), Column("gross", _("Gross sales"), MONEY),
        Column("net", _("Net of refunds and cancellations"), MONEY),
        Column("sell_through", _("Sell-through"), PERCENT), Column("sold_out", _("Deals sold out"), COUNT),
    ], rows)
    # An order may buy in two waves, so the festival's orders are counted on their own, not summed.
    table.totals = [_("Total"), "", every.deals, every.offered, orders_in_all, every.sales.units,
                    every.sales.gross(converter), every.sales.net(converter), every.sell_through, every.sold_out]
    return table


def _product_name(product, language: str) -> str:
    return localized(product.texts, language, product.original_language, "name").text


def _deals_table(festival: Festival, deals: list[Deal], counts: dict[int, tuple[int, int]],
                 sold: dict[int, figures.DealSales], reserved: dict[int, int], sold_out: dict[int, datetime],
                 language: str) -> ReportTable:
    wave_numbers = {wave.id: number for number, wave in enumerate(festival.waves, 1)}
    starts = {wave.id: clock.to_utc(wave.starts_at) for wave in festival.waves}
    rows = []
    for deal in deals:
        deal_sold = sold.get(deal.id)
        minutes = None
        if deal.id in sold_out:
            minutes = max(0, int((clock.to_utc(sold_out[deal.id]) - starts[deal.wave_id]).total_seconds() // 60))
        offered, taken = counts[deal.id]
        rows.append([_product_name(deal.product, language), deal.store.name, wave_numbers[deal.wave_id],
                     str(DEAL_STATUS_LABELS[deal.status]), offered, taken, reserved.get(deal.id, 0),
                     deal_sold.units if deal_sold else 0,
                     round(100 * taken / offered) if offered else None, minutes])
    return ReportTable("deals", _("Deals: sell-through and time to sell out"), [
        Column("product", _("Product")), Column("store", _("Store")), Column("wave", _("Wave"), COUNT),
        Column("status", _("State")), Column("offered", _("Units offered"), COUNT),
        Column("taken", _("Units taken"), COUNT), Column("held", _("Held by checkouts now"), COUNT),
        Column("units", _("Units in placed orders"), COUNT), Column("sell_through", _("Sell-through"), PERCENT),
        Column("time_to_sell_out", _("Time to sell out"), MINUTES),
    ], rows)


def _store_tables(deals: list[Deal], sold: dict[int, figures.DealSales], language: str,
                  converter: Converter) -> dict[str, ReportTable]:
    """The top stores and products, and sales per vendor country."""
    by_store: dict[int, figures.DealSales] = defaultdict(figures.DealSales)
    by_product: dict[int, figures.DealSales] = defaultdict(figures.DealSales)
    products = {}
    for deal in deals:
        if deal.id in sold:
            products[deal.product_id] = deal.product
            by_store[deal.store_id].add(sold[deal.id])
            by_product[deal.product_id].add(sold[deal.id])
    parts = figures.vendor_orders_by_store([deal.id for deal in deals])
    stores = figures.stores_of(sorted(set(by_store) | set(parts)))
    store_gross = {i: by_store[i].gross(converter) for i in stores}
    product_gross = {i: by_product[i].gross(converter) for i in products}
    top_stores = sorted(stores, key=lambda i: (-store_gross[i].minor, -by_store[i].units, stores[i].name, i))[:TOP]
    top_products = sorted(products, key=lambda i: (-by_product[i].units, -product_gross[i].minor, i))[:TOP]
    money = [Column("gross", _("Gross sales"), MONEY), Column("net", _("Net of refunds and cancellations"), MONEY)]
    by_country: dict[str, list] = {}
    for store_id, store in stores.items():
        row = by_country.setdefault(store.country_code, [0, 0, figures.DealSales()])
        row[0] += 1
        row[1] += parts.get(store_id, 0)
        row[2].add(by_store[store_id])
    country_rows = sorted(([country_name(code, language), code, stores_selling, vendor_orders, sales.units,
                            sales.gross(converter), sales.net(converter)]
                           for code, (stores_selling, vendor_orders, sales) in by_country.items()),
                          key=lambda row: (-row[5].minor, row[0]))
    countries = ReportTable("vendor_countries", _("By vendor country"), [
        Column("country", _("Country")), Column("code", _("ISO code"), CODE),
        Column("stores", _("Stores selling"), COUNT), Column("vendor_orders", _("Vendor orders"), COUNT),
        Column("units", _("Units sold"), COUNT), *money,
    ], country_rows)
    countries.totals = [_("Total"), "", *(countries.column_sums(c) for c in ("stores", "vendor_orders", "units")),
                        total((row[5] for row in country_rows), converter.currency),
                        total((row[6] for row in country_rows), converter.currency)]
    return {
        "stores": ReportTable("stores", _("Top stores"), [
            Column("store", _("Store")), Column("code", _("ISO code"), CODE),
            Column("vendor_orders", _("Vendor orders"), COUNT), Column("units", _("Units sold"), COUNT), *money,
        ], [[stores[i].name, stores[i].country_code, parts.get(i, 0), by_store[i].units, store_gross[i],
             by_store[i].net(converter)] for i in top_stores]),
        "products": ReportTable("products", _("Top products"), [
            Column("product", _("Product")), Column("store", _("Store")), Column("units", _("Units sold"), COUNT),
            Column("gross", _("Gross sales"), MONEY),
        ], [[_product_name(products[i], language), products[i].store.name, by_product[i].units, product_gross[i]]
            for i in top_products]),
        "vendor_countries": countries,
    }


def _buyers_table(by_country: dict[str, SalesFigures], language: str, converter: Converter) -> ReportTable:
    rows = sorted(([country_name(code, language) if code else _("No delivery address"), code, f.orders, f.units,
                    f.gross, f.net] for code, f in by_country.items()), key=lambda row: (-row[2], row[0]))
    table = ReportTable("buyer_countries", _("By buyer country"), [
        Column("country", _("Country")), Column("code", _("ISO code"), CODE), Column("orders", _("Orders"), COUNT),
        Column("units", _("Units sold"), COUNT), Column("gross", _("Gross sales"), MONEY),
        Column("net", _("Net of refunds and cancellations"), MONEY),
    ], rows)
    table.totals = [_("Total"), "", table.column_sums("orders"), table.column_sums("units"),
                    total((row[4] for row in rows), converter.currency),
                    total((row[5] for row in rows), converter.currency)]
    return table
