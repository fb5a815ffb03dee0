"""Sales in a period, summed in SQL per day, country, category and payment method.

What counts: an order counts from the moment it is placed — paid online, or confirmed to be paid on
delivery (every payment state but awaiting payment, expired and failed), on the campaign-zone day it
was created. Gross is what those orders charged; net leaves out the vendor orders cancelled or
refunded since, and what was refunded of the others (a partial refund of a delivered part), counted on
the day of the order, so a day's figures only ever go down. Units and the per-line figures (categories)
leave out only cancelled or refunded parts: a partial refund names an amount, not the lines it covers.
Each query groups by its key and the charge currency; `currency.Converter` turns each sum into the
reporting currency once.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, case, func, select

from campaigns.reporting.currency import Amount, Converter
from campaigns.reporting.period import ReportPeriod, local_day
from marketplace.catalog.models import Product
from marketplace.extensions import db
from marketplace.orders.models import FulfilmentState, Order, OrderLine, PaymentState, VendorOrder
from marketplace.vendors.models import Store

PLACED_STATES = (PaymentState.PAID, PaymentState.UNPAID, PaymentState.REFUND_DUE, PaymentState.REFUNDED,
                 PaymentState.CANCELLED)
UNDONE_PARTS = (FulfilmentState.CANCELLED, FulfilmentState.REFUNDED)


NOT_PLACED_STATES = tuple(state for state in PaymentState if state not in PLACED_STATES)


def placed_in(period: ReportPeriod) -> list[ColumnElement[bool]]:
    """Orders placed, created inside the period. Written as "not awaiting payment, expired or failed"
    (the same orders): SQLite would otherwise walk the payment-state index through every placed order
    instead of the creation-time index through the period's."""
    return [Order.payment_state.not_in(NOT_PLACED_STATES), Order.created_at >= period.starts_at,
            Order.created_at < period.ends_at]


def undone_sum(amount: ColumnElement) -> ColumnElement:
    """SQL: the sum of `amount` over rows of vendor orders cancelled or refunded."""
    return func.sum(case((VendorOrder.status.in_(UNDONE_PARTS), amount), else_=0))


def taken_back_sum() -> ColumnElement:
    """SQL: the sum over vendor orders of what left the sale: the whole subtotal of a part cancelled or
    refunded, and the refunds asked for so far of any other part (a partial refund of a delivered part)."""
    return func.sum(case((VendorOrder.status.in_(UNDONE_PARTS), VendorOrder.subtotal_amount),
                         else_=VendorOrder.refunded_amount))


@dataclass
class SalesFigures:
    """Orders, units and money of one day, country, category or payment method."""

    currency: str
    orders: int = 0
    units: int = 0
    net_units: int = 0
    orders_apart: int = 0  # orders in a currency no stored rate converts: outside the average
    gross: Amount = field(init=False)
    net: Amount = field(init=False)

    def __post_init__(self) -> None:
        self.gross = Amount(self.currency)
        self.net = Amount(self.currency)

    @property
    def average_order(self) -> int:
        """Gross per order, in minor units of the reporting currency, over the orders whose amounts convert
        (0 without any)."""
        counted = self.orders - self.orders_apart
        return round(self.gross.minor / counted) if counted > 0 else 0

    def add(self, other: SalesFigures) -> None:
        self.orders += other.orders
        self.orders_apart += other.orders_apart
        self.units += other.units
        self.net_units += other.net_units
        self.gross.add_amount(other.gross)
        self.net.add_amount(other.net)


def _dialect() -> str:
    return db.engine.dialect.name


@dataclass
class SalesRows:
    """Sums of a period's placed orders as grouped rows, each ending in its charge currency's amounts
    (days as 'YYYY-MM-DD' in the period's zone). Read live from the orders (`live_rows`) or from the
    daily roll-up (`rollup.sales_rows`); rows of one key and currency may come twice (a rolled-up day and
    today) and are added up before any conversion, so each sum is converted once."""

    day_orders: list[tuple] = field(default_factory=list)  # (day, currency, orders)
    day_money: list[tuple] = field(default_factory=list)  # (day, currency, gross, undone)
    day_units: list[tuple] = field(default_factory=list)  # (day, units, undone units)
    buyer_orders: list[tuple] = field(default_factory=list)  # (delivery country, currency, orders)
    buyer_money: list[tuple] = field(default_factory=list)  # (delivery country, currency, gross, undone)
    gateway_orders: list[tuple] = field(default_factory=list)
    gateway_money: list[tuple] = field(default_factory=list)
    store_countries: list[tuple] = field(default_factory=list)  # (country, currency, vendor orders, gross, undone)
    categories: list[tuple] = field(default_factory=list)  # (category, currency, gross, undone, units, undone units)

    def extend(self, other: SalesRows) -> None:
        for name in self.__dataclass_fields__:
            getattr(self, name).extend(getattr(other, name))


def summed(rows: list[tuple], keys: int) -> list[tuple]:
    """`rows` with the same first `keys` values added up (the rest are numbers)."""
    totals: dict[tuple, list[int]] = {}
    for row in rows:
        numbers = totals.setdefault(tuple(row[:keys]), [0] * (len(row) - keys))
        for index, value in enumerate(row[keys:]):
            numbers[index] += int(value or 0)
    return [(*key, *numbers) for key, numbers in totals.items()]


# Orders are counted on the orders table alone and money on the join with vendor orders, so neither
# needs COUNT(DISTINCT …), which PostgreSQL can only do by sorting every joined row.
def _order_counts(key: ColumnElement, period: ReportPeriod) -> list[tuple]:
    return [tuple(row) for row in db.session.execute(
        select(key, Order.currency, func.count(Order.id)).where(*placed_in(period)).group_by(key, Order.currency))]


def _money_by(key: ColumnElement, period: ReportPeriod) -> list[tuple]:
    return [tuple(row) for row in db.session.execute(
        select(key, Order.currency, func.sum(VendorOrder.subtotal_amount), taken_back_sum())
        .join(VendorOrder, VendorOrder.order_id == Order.id)
        .where(*placed_in(period)).group_by(key, Order.currency))]


def live_rows(period: ReportPeriod) -> SalesRows:
    """The period's sums read from the orders themselves."""
    day = local_day(Order.created_at, period, _dialect()).label("day")
    line_total = OrderLine.charge_unit_amount * OrderLine.quantity
    return SalesRows(
        day_orders=_order_counts(day, period),
        day_money=_money_by(day, period),
        day_units=[tuple(row) for row in db.session.execute(
            select(day, func.sum(OrderLine.quantity), undone_sum(OrderLine.quantity))
            .join(OrderLine, OrderLine.order_id == Order.id)
            .join(VendorOrder, VendorOrder.id == OrderLine.vendor_order_id)
            .where(*placed_in(period)).group_by(day))],
        buyer_orders=_order_counts(Order.country_code, period),
        buyer_money=_money_by(Order.country_code, period),
        gateway_orders=_order_counts(Order.gateway, period),
        gateway_money=_money_by(Order.gateway, period),
        store_countries=[tuple(row) for row in db.session.execute(
            select(Store.country_code, Order.currency, func.count(VendorOrder.id),
                   func.sum(VendorOrder.subtotal_amount), taken_back_sum())
            .join(VendorOrder, VendorOrder.order_id == Order.id)
            .join(Store, Store.id == VendorOrder.store_id)
            .where(*placed_in(period)).group_by(Store.country_code, Order.currency))],
        categories=[tuple(row) for row in db.session.execute(
            select(Product.category_id, Order.currency, func.sum(line_total), undone_sum(line_total),
                   func.sum(OrderLine.quantity), undone_sum(OrderLine.quantity))
            .join(OrderLine, OrderLine.order_id == Order.id)
            .join(VendorOrder, VendorOrder.id == OrderLine.vendor_order_id)
            .join(Product, Product.id == OrderLine.product_id)
            .where(*placed_in(period)).group_by(Product.category_id, Order.currency))],
    )


def daily_sales(rows: SalesRows, period: ReportPeriod, converter: Converter) -> dict[date, SalesFigures]:
    """Every day of the period (days without orders too) with its orders, units, gross and net."""
    days = {day: SalesFigures(converter.currency) for day in period.days}
    for text, currency, orders in summed(rows.day_orders, 2):
        figures = days[date.fromisoformat(text)]
        figures.orders += orders
        if converter.convert(0, currency) is None:
            figures.orders_apart += orders
    for text, currency, gross, undone in summed(rows.day_money, 2):
        figures = days[date.fromisoformat(text)]
        figures.gross.add(gross, currency, converter)
        figures.net.add(gross - undone, currency, converter)
    for text, units, undone in summed(rows.day_units, 1):
        figures = days[date.fromisoformat(text)]
        figures.units += units
        figures.net_units += units - undone
    return days


def _by_order(counts: list[tuple], money: list[tuple], converter: Converter) -> dict:
    """Figures per value of an order's key (its delivery country, its gateway …)."""
    result: dict = defaultdict(lambda: SalesFigures(converter.currency))
    for value, _currency, orders in summed(counts, 2):
        result[value].orders += orders
    for value, currency, gross, undone in summed(money, 2):
        result[value].gross.add(gross, currency, converter)
        result[value].net.add(gross - undone, currency, converter)
    return dict(result)


def sales_by_buyer_country(rows: SalesRows, converter: Converter) -> dict[str, SalesFigures]:
    """Orders and money per delivery country of the order ("" when none was given, as for tourism)."""
    return _by_order(rows.buyer_orders, rows.buyer_money, converter)


def sales_by_payment_method(rows: SalesRows, converter: Converter) -> dict[str, SalesFigures]:
    """Orders and money per payment gateway (pay on delivery, Stripe …)."""
    return _by_order(rows.gateway_orders, rows.gateway_money, converter)


def sales_by_vendor_country(rows: SalesRows, converter: Converter) -> dict[str, SalesFigures]:
    """Vendor orders and money per country of the selling store (an order from two countries counts in both)."""
    result: dict = defaultdict(lambda: SalesFigures(converter.currency))
    for key, currency, orders, gross, undone in summed(rows.store_countries, 2):
        figures = result[key]
        figures.orders += orders
        figures.gross.add(gross, currency, converter)
        figures.net.add(gross - undone, currency, converter)
    return dict(result)


def sales_by_category(rows: SalesRows, converter: Converter) -> dict[int, SalesFigures]:
    """Units and money per product category (lines at their charged price); no order count, as one order
    may buy in several categories."""
    result: dict[int, SalesFigures] = defaultdict(lambda: SalesFigures(converter.currency))
    for category_id, currency, gross, undone, units, undone_units in summed(rows.categories, 2):
        figures = result[category_id]
        figures.gross.add(gross, currency, converter)
        figures.net.add(gross - undone, currency, converter)
        figures.units += units
        figures.net_units += units - undone_units
    return dict(result)
