"""Sales in a period, summed in SQL per day, country, category and payment method.

What counts: an order counts from the moment it is placed — paid online, or confirmed to be paid on
delivery (every payment state but awaiting payment, expired and failed), on the campaign-zone day it
was created. Gross is what those orders charged; net leaves out the vendor orders cancelled or
refunded since (counted on the day of the order, so a day's figures only ever go down).
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


def _undone(amount: ColumnElement) -> ColumnElement:
    return func.sum(case((VendorOrder.status.in_(UNDONE_PARTS), amount), else_=0))


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


def daily_sales(period: ReportPeriod, converter: Converter) -> dict[date, SalesFigures]:
    """Every day of the period (days without orders too) with its orders, units, gross and net."""
    days = {day: SalesFigures(converter.currency) for day in period.days}
    day = local_day(Order.created_at, period, _dialect()).label("day")
    for text, currency, orders in _order_counts(day, period):
        figures = days[date.fromisoformat(text)]
        figures.orders += orders
        if converter.convert(0, currency) is None:
            figures.orders_apart += orders
    for text, currency, gross, undone in _money_by(day, period):
        figures = days[date.fromisoformat(text)]
        figures.gross.add(int(gross or 0), currency, converter)
        figures.net.add(int(gross or 0) - int(undone or 0), currency, converter)
    for text, units, undone in db.session.execute(
        select(day, func.sum(OrderLine.quantity), _undone(OrderLine.quantity))
        .join(OrderLine, OrderLine.order_id == Order.id)
        .join(VendorOrder, VendorOrder.id == OrderLine.vendor_order_id)
        .where(*placed_in(period)).group_by(day)
    ):
        figures = days[date.fromisoformat(text)]
        figures.units += int(units or 0)
        figures.net_units += int(units or 0) - int(undone or 0)
    return days


# Orders are counted on the orders table alone and money on the join with vendor orders, so neither
# needs COUNT(DISTINCT …), which PostgreSQL can only do by sorting every joined row.
def _order_counts(key: ColumnElement, period: ReportPeriod):
    return db.session.execute(
        select(key, Order.currency, func.count(Order.id)).where(*placed_in(period)).group_by(key, Order.currency))


def _money_by(key: ColumnElement, period: ReportPeriod):
    return db.session.execute(
        select(key, Order.currency, func.sum(VendorOrder.subtotal_amount), _undone(VendorOrder.subtotal_amount))
        .join(VendorOrder, VendorOrder.order_id == Order.id)
        .where(*placed_in(period)).group_by(key, Order.currency))


def _by_order(key: ColumnElement, period: ReportPeriod, converter: Converter) -> dict:
    """Figures per value of an order's `key` (its delivery country, its gateway …)."""
    result: dict = defaultdict(lambda: SalesFigures(converter.currency))
    for value, _currency, orders in _order_counts(key, period):
        result[value].orders += orders
    for value, currency, gross, undone in _money_by(key, period):
        result[value].gross.add(int(gross or 0), currency, converter)
        result[value].net.add(int(gross or 0) - int(undone or 0), currency, converter)
    return dict(result)


def _by_key(rows, converter: Converter) -> dict:
    """Figures per key from rows of (key, currency, orders, gross, undone)."""
    result: dict = defaultdict(lambda: SalesFigures(converter.currency))
    for key, currency, orders, gross, undone in rows:
        figures = result[key]
        figures.orders += orders
        figures.gross.add(int(gross or 0), currency, converter)
        figures.net.add(int(gross or 0) - int(undone or 0), currency, converter)
    return result


def sales_by_buyer_country(period: ReportPeriod, converter: Converter) -> dict[str, SalesFigures]:
    """Orders and money per delivery country of the order ("" when none was given, as for tourism)."""
    return _by_order(Order.country_code, period, converter)


def sales_by_payment_method(period: ReportPeriod, converter: Converter) -> dict[str, SalesFigures]:
    """Orders and money per payment gateway (pay on delivery, Stripe …)."""
    return _by_order(Order.gateway, period, converter)


def sales_by_vendor_country(period: ReportPeriod, converter: Converter) -> dict[str, SalesFigures]:
    """Vendor orders and money per country of the selling store (an order from two countries counts in both)."""
    rows = db.session.execute(
        select(Store.country_code, Order.currency, func.count(VendorOrder.id),
               func.sum(VendorOrder.subtotal_amount), _undone(VendorOrder.subtotal_amount))
        .join(VendorOrder, VendorOrder.order_id == Order.id)
        .join(Store, Store.id == VendorOrder.store_id)
        .where(*placed_in(period)).group_by(Store.country_code, Order.currency)
    ).all()
    return dict(_by_key(rows, converter))


def sales_by_category(period: ReportPeriod, converter: Converter) -> dict[int, SalesFigures]:
    """Units and money per product category (lines at their charged price); no order count, as one order
    may buy in several categories."""
    line_total = OrderLine.charge_unit_amount * OrderLine.quantity
    result: dict[int, SalesFigures] = defaultdict(lambda: SalesFigures(converter.currency))
    for category_id, currency, gross, undone, units, undone_units in db.session.execute(
        select(Product.category_id, Order.currency, func.sum(line_total), _undone(line_total),
               func.sum(OrderLine.quantity), _undone(OrderLine.quantity))
        .join(OrderLine, OrderLine.order_id == Order.id)
        .join(VendorOrder, VendorOrder.id == OrderLine.vendor_order_id)
        .join(Product, Product.id == OrderLine.product_id)
        .where(*placed_in(period)).group_by(Product.category_id, Order.currency)
    ):
        figures = result[category_id]
        figures.gross.add(int(gross or 0), currency, converter)
        figures.net.add(int(gross or 0) - int(undone or 0), currency, converter)
        figures.units += int(units or 0)
        figures.net_units += int(units or 0) - int(undone_units or 0)
    return dict(result)
