"""A vendor's insights: what their own store sold, day by day, best sellers, festival deals and payables.

Scoped by construction: every figure is read through the store the signed-in vendor owns
(`store_of(vendor)`), and no store id ever comes from the request, so no address opens another
store's figures. Days are those of the store's own country (its main zone), revenue is the vendor's
own prices (order lines keep the price in the product's currency) in the store's country currency,
converted at the stored rates only when a product was priced in another currency.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import case, distinct, func, select

from campaigns.festivals.display import festival_name
from campaigns.festivals.models import Deal, DealStatus, Festival, Wave
from campaigns.reporting.currency import Amount, Converter, reporting_converter, total
from campaigns.reporting.models import FunnelCount, FunnelStep
from campaigns.reporting.period import ReportPeriod, local_day
from campaigns.reporting.sales import UNDONE_PARTS, placed_in
from campaigns.reporting.tables import CODE, COUNT, DAY, MONEY, PERCENT, Column, ReportTable
from marketplace.accounts.models import User
from marketplace.catalog.models import Country, Product, ProductStatus
from marketplace.catalog.services import localized
from marketplace.core.errors import PermissionDenied
from marketplace.core.money import Money
from marketplace.core.zones import country_zone
from marketplace.extensions import db
from marketplace.orders.models import Order, OrderLine, VendorOrder
from marketplace.vendors.models import Store
from marketplace.vendors.payables import VendorBalance, vendor_balances
from marketplace.vendors.services import store_of

TOP_PRODUCTS = 10
MAX_DEALS = 50
INSIGHT_TABLES = ("daily", "journey", "best_sellers", "deals")


def insights_store(vendor: User) -> Store:
    """The vendor's own store; PermissionDenied when the account has none yet."""
    store = store_of(vendor)
    if store is None:
        raise PermissionDenied(_("Your account has no store yet. Set up your store first."))
    return store


def store_zone(store: Store, fallback: str) -> str:
    """The zone the store's days are counted in: its country's main zone, else `fallback`."""
    return country_zone(store.country_code) or fallback


@dataclass
class StoreInsights:
    store: Store
    period: ReportPeriod
    currency: str
    tables: dict[str, ReportTable]
    gross: list[int]  # per day, minor units of `currency`
    net: list[int]
    units: list[int]
    orders: int
    units_total: int
    gross_total: Amount
    net_total: Amount
    balances: list[VendorBalance]
    live_products: int
    campaign_products: int
    unconverted: list[str]


def store_insights(vendor: User, period: ReportPeriod, language: str) -> StoreInsights:
    """The figures of the vendor's own store for `period`, written for a reader of `language`;
    PermissionDenied when the vendor has no store."""
    store = insights_store(vendor)
    currency = db.session.get(Country, store.country_code).currency
    converter = reporting_converter(currency)
    daily = _daily(store, period, converter)
    orders = sum(day[0] for day in daily.values())
    units = sum(day[1] for day in daily.values())
    gross_total = total((day[2] for day in daily.values()), currency)
    net_total = total((day[3] for day in daily.values()), currency)
    daily_table = ReportTable("daily", _("Your sales per day"), [
        Column("day", _("Day"), DAY), Column("orders", _("Orders"), COUNT), Column("units", _("Units"), COUNT),
        Column("revenue", _("Revenue"), MONEY), Column("net", _("Net of refunds and cancellations"), MONEY),
    ], [[day, *figures] for day, figures in daily.items()], [_("Total"), orders, units, gross_total, net_total])
    live, campaign = db.session.execute(
        select(func.count(Product.id), func.sum(case((Product.is_campaign.is_(True), 1), else_=0)))
        .where(Product.store_id == store.id, Product.status == ProductStatus.PUBLISHED)
    ).one()
    return StoreInsights(
        store, period, currency,
        {"daily": daily_table, "journey": _journey(store, period, orders),
         "best_sellers": _best_sellers(store, period, converter, language),
         "deals": _deals(store, period, language)},
        [day[2].minor for day in daily.values()], [day[3].minor for day in daily.values()],
        [day[1] for day in daily.values()], orders, units, gross_total, net_total, vendor_balances(vendor),
        int(live or 0), int(campaign or 0), sorted(converter.unconverted),
    )


def journey_label(step: str) -> str:
    """A step of a store's shopper journey as the page names it."""
    return {FunnelStep.PRODUCT_VIEW: _("Product views"), FunnelStep.ADD_TO_CART: _("Added to cart"),
            FunnelStep.CHECKOUT_START: _("Checkouts started"), "orders": _("Orders")}[step]


def _journey(store: Store, period: ReportPeriod, orders: int) -> ReportTable:
    """How often the store's products were seen, added to carts and taken to checkout in the period, and its
    orders, each as a share of the views (the last one is the conversion)."""
    counted = dict(db.session.execute(
        select(FunnelCount.step, func.sum(FunnelCount.count))
        .join(Product, Product.id == FunnelCount.product_id)
        .where(Product.store_id == store.id, FunnelCount.minute >= period.starts_at,
               FunnelCount.minute < period.ends_at)
        .group_by(FunnelCount.step)).all())
    steps = [(step.value, int(counted.get(step.value) or 0)) for step in FunnelStep] + [("orders", orders)]
    views = steps[0][1]
    return ReportTable("journey", _("From views to orders"), [
        Column("step", _("Step")), Column("count", _("Times"), COUNT), Column("share", _("Of product views"), PERCENT),
    ], [[journey_label(step), count, round(100 * count / views) if views else None] for step, count in steps])


def _daily(store: Store, period: ReportPeriod, converter: Converter) -> dict[date, list]:
    """[vendor orders, units, revenue, net revenue] for every day of the period."""
    daily: dict[date, list] = {day: [0, 0, Amount(converter.currency), Amount(converter.currency)]
                               for day in period.days}
    day = local_day(Order.created_at, period, db.engine.dialect.name).label("day")
    line_total = OrderLine.unit_amount * OrderLine.quantity
    undone = VendorOrder.status.in_(UNDONE_PARTS)
    for text, currency, units, gross, cancelled in db.session.execute(
        select(day, OrderLine.currency, func.sum(OrderLine.quantity),
               func.sum(line_total), func.sum(case((undone, line_total), else_=0)))
        .join(VendorOrder, VendorOrder.order_id == Order.id)
        .join(OrderLine, OrderLine.vendor_order_id == VendorOrder.id)
        .where(VendorOrder.store_id == store.id, *placed_in(period))
        .group_by(day, OrderLine.currency)
    ):
        figures = daily[date.fromisoformat(text)]
        figures[1] += int(units or 0)
        figures[2].add(int(gross or 0), currency, converter)
        figures[3].add(int(gross or 0) - int(cancelled or 0), currency, converter)
    # Vendor orders are counted apart: one may hold lines priced in two currencies.
    for text, orders in db.session.execute(
        select(day, func.count(distinct(VendorOrder.id))).join(VendorOrder, VendorOrder.order_id == Order.id)
        .where(VendorOrder.store_id == store.id, *placed_in(period)).group_by(day)
    ):
        daily[date.fromisoformat(text)][0] = orders
    return daily


def _best_sellers(store: Store, period: ReportPeriod, converter: Converter, language: str) -> ReportTable:
    units: dict[int, int] = defaultdict(int)
    revenue: dict[int, Amount] = defaultdict(lambda: Amount(converter.currency))
    for product_id, currency, quantity, amount in db.session.execute(
        select(OrderLine.product_id, OrderLine.currency, func.sum(OrderLine.quantity),
               func.sum(OrderLine.unit_amount * OrderLine.quantity))
        .join(VendorOrder, VendorOrder.id == OrderLine.vendor_order_id)
        .join(Order, Order.id == VendorOrder.order_id)
        .where(VendorOrder.store_id == store.id, *placed_in(period))
        .group_by(OrderLine.product_id, OrderLine.currency)
    ):
        units[product_id] += int(quantity or 0)
        revenue[product_id].add(int(amount or 0), currency, converter)
    top = sorted(units, key=lambda product_id: (-units[product_id], product_id))[:TOP_PRODUCTS]
    products = {product.id: product for product in db.session.scalars(
        select(Product).where(Product.id.in_(top), Product.store_id == store.id))}
    rows = [[localized(products[pid].texts, language, products[pid].original_language, "name").text,
             units[pid], revenue[pid]] for pid in top if pid in products]
    return ReportTable("best_sellers", _("Best sellers"), [
        Column("product", _("Product")), Column("units", _("Units sold"), COUNT),
        Column("revenue", _("Revenue"), MONEY),
    ], rows)


def _deals(store: Store, period: ReportPeriod, language: str) -> ReportTable:
    """The store's approved festival deals whose wave overlapped the period, newest wave first."""
    rows = db.session.execute(
        select(Deal, Wave, Festival, Product)
        .join(Wave, Wave.id == Deal.wave_id).join(Festival, Festival.id == Deal.festival_id)
        .join(Product, Product.id == Deal.product_id)
        .where(Deal.store_id == store.id, Deal.status == DealStatus.APPROVED,
               Wave.starts_at < period.ends_at, Wave.ends_at > period.starts_at)
        .order_by(Wave.starts_at.desc(), Deal.id).limit(MAX_DEALS)
    ).all()
    return ReportTable("deals", _("Festival deals"), [
        Column("festival", _("Festival")), Column("product", _("Product")), Column("price", _("Festival price"), MONEY),
        Column("currency", _("Currency"), CODE), Column("cap", _("Units offered"), COUNT),
        Column("sold", _("Units sold"), COUNT), Column("sell_through", _("Sold out of offered"), PERCENT),
    ], [[festival_name(festival, language).text,
         localized(product.texts, language, product.original_language, "name").text,
         _fixed(Money(deal.price_amount, deal.currency)), deal.currency, deal.cap, deal.sold,
         round(100 * deal.sold / deal.cap) if deal.cap else None] for deal, _wave, festival, product in rows],
        money_in_header=False)


def _fixed(money: Money) -> Amount:
    """A price as a table's money cell (already in its own currency, nothing to convert)."""
    amount = Amount(money.currency)
    amount.minor = money.amount
    return amount
