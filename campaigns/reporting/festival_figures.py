"""A festival's sales read in SQL: what its deals sold, grouped per deal, wave, store and country.

A festival sale is an order line bought at the price of one of the festival's deals: its `offer_hold`
names the deal ("deal:12"), or for a deal on an experience the festival seats of one of its dates
("deal_seats:7", whose units are the booking's seats). It counts once its order is placed (the dashboard's
rule, `sales.PLACED_STATES`);
gross is what those lines charged (in the order's currency, converted once per currency sum), net
leaves out the lines of vendor orders cancelled or refunded since. Orders are counted in their own
query (orders with at least one such line), so no COUNT(DISTINCT …) over the joined rows is needed.
The work is bounded by the festival: the lines are found through the list of its deals' holds.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import selectinload

from campaigns.festivals.experience_deals import KIND as SEATS_KIND
from campaigns.festivals.models import Deal, DealDeparture, DealStatus, Wave
from campaigns.reporting.currency import Amount, Converter
from campaigns.reporting.models import FunnelCount, FunnelHour, FunnelStep
from campaigns.reporting.sales import NOT_PLACED_STATES, UNDONE_PARTS, SalesFigures
from marketplace.catalog.models import Product
from marketplace.core import clock
from marketplace.extensions import db
from marketplace.orders.holds.refs import HoldRef
from marketplace.orders.models import Order, OrderLine, PaymentState, VendorOrder
from marketplace.vendors.models import Store


def deal_hold(deal_id: int) -> HoldRef:
    """The hold an order line at the deal's price carries."""
    return HoldRef("deal", deal_id)


def deal_holds(deal_ids: Sequence[int]) -> dict[HoldRef, int]:
    """Every hold an order line at these deals' prices can carry, with its deal: "deal:<id>" for goods, and for
    a deal on an experience the festival seats of each of its dates ("deal_seats:<pair id>")."""
    holds = {deal_hold(deal_id): deal_id for deal_id in deal_ids}
    if deal_ids:
        for pair_id, deal_id in db.session.execute(
                select(DealDeparture.id, DealDeparture.deal_id).where(DealDeparture.deal_id.in_(list(deal_ids)))):
            holds[HoldRef(SEATS_KIND, pair_id)] = deal_id
    return holds


def _units() -> ColumnElement[int]:
    """A line's units: a booking's seats (its quantity is 1), else its quantity."""
    return case((OrderLine.seats > 0, OrderLine.seats), else_=OrderLine.quantity)


@dataclass(frozen=True)
class DateSeats:
    """An experience deal's festival seats over its dates: offered (cap × dates), taken, and dates over the cap."""

    offered: int
    taken: int
    over_cap: int


def experience_seats(deals: Sequence[Deal]) -> dict[int, DateSeats]:
    """For each deal on an experience, its festival seats over every date (by deal id)."""
    caps = {deal.id: deal.cap for deal in deals if deal.product.is_experience}
    if not caps:
        return {}
    found: dict[int, DateSeats] = {}
    for deal_id, dates, taken, over in db.session.execute(
            select(DealDeparture.deal_id, func.count(DealDeparture.id), func.coalesce(func.sum(DealDeparture.sold), 0),
                   func.sum(case((DealDeparture.sold > Deal.cap, 1), else_=0)))
            .join(Deal, Deal.id == DealDeparture.deal_id)
            .where(DealDeparture.deal_id.in_(list(caps))).group_by(DealDeparture.deal_id)):
        found[deal_id] = DateSeats(caps[deal_id] * int(dates), int(taken or 0), int(over or 0))
    return found


def _placed() -> ColumnElement[bool]:
    return Order.payment_state.not_in(NOT_PLACED_STATES)


def _undone(amount: ColumnElement) -> ColumnElement:
    return func.sum(case((VendorOrder.status.in_(UNDONE_PARTS), amount), else_=0))


@dataclass
class DealSales:
    """What one deal (or several, added up) sold in placed orders: units, and money per charge currency in
    minor units, converted only when shown (`gross`, `net`), once per currency sum as on the dashboard."""

    units: int = 0
    net_units: int = 0
    charged: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    undone: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, other: DealSales) -> None:
        self.units += other.units
        self.net_units += other.net_units
        for currency, amount in other.charged.items():
            self.charged[currency] += amount
        for currency, amount in other.undone.items():
            self.undone[currency] += amount

    def gross(self, converter: Converter) -> Amount:
        amount = Amount(converter.currency)
        for currency, charged in sorted(self.charged.items()):
            amount.add(charged, currency, converter)
        return amount

    def net(self, converter: Converter) -> Amount:
        amount = Amount(converter.currency)
        for currency, charged in sorted(self.charged.items()):
            amount.add(charged - self.undone.get(currency, 0), currency, converter)
        return amount


def deal_sales(deal_ids: Sequence[int]) -> dict[int, DealSales]:
    """Units and money of each deal (deals without sales left out)."""
    result: dict[int, DealSales] = {}
    if not deal_ids:
        return result
    line_total = OrderLine.charge_unit_amount * OrderLine.quantity
    holds = deal_holds(deal_ids)
    for hold, currency, units, undone_units, gross, undone in db.session.execute(
        select(OrderLine.offer_hold, Order.currency, func.sum(_units()), _undone(_units()),
               func.sum(line_total), _undone(line_total))
        .join(Order, Order.id == OrderLine.order_id)
        .join(VendorOrder, VendorOrder.id == OrderLine.vendor_order_id)
        .where(OrderLine.offer_hold.in_(list(holds)), _placed())
        .group_by(OrderLine.offer_hold, Order.currency)
    ):
        sold = result.setdefault(holds[hold], DealSales())
        sold.units += int(units or 0)
        sold.net_units += int(units or 0) - int(undone_units or 0)
        sold.charged[currency] += int(gross or 0)
        sold.undone[currency] += int(undone or 0)
    return result


def _lines_of(deal_ids: Sequence[int]):
    return select(OrderLine.order_id).where(OrderLine.offer_hold.in_(list(deal_holds(deal_ids))))


def order_counts(deal_ids: Sequence[int], converter: Converter) -> SalesFigures:
    """Placed orders holding at least one line of these deals (orders in a currency no rate converts
    counted apart, for the average)."""
    figures = SalesFigures(converter.currency)
    if not deal_ids:
        return figures
    for currency, orders in db.session.execute(
        select(Order.currency, func.count(Order.id)).where(_placed(), Order.id.in_(_lines_of(deal_ids)))
        .group_by(Order.currency)
    ):
        figures.orders += orders
        if converter.convert(0, currency) is None:
            figures.orders_apart += orders
    return figures


def sales_by_buyer_country(deal_ids: Sequence[int], converter: Converter) -> dict[str, SalesFigures]:
    """Orders, units and money of the deals per delivery country ("" when none was given)."""
    result: dict[str, SalesFigures] = defaultdict(lambda: SalesFigures(converter.currency))
    if not deal_ids:
        return {}
    for country, orders in db.session.execute(
        select(Order.country_code, func.count(Order.id)).where(_placed(), Order.id.in_(_lines_of(deal_ids)))
        .group_by(Order.country_code)
    ):
        result[country].orders += orders
    line_total = OrderLine.charge_unit_amount * OrderLine.quantity
    for country, currency, units, gross, undone in db.session.execute(
        select(Order.country_code, Order.currency, func.sum(_units()), func.sum(line_total),
               _undone(line_total))
        .join(Order, Order.id == OrderLine.order_id)
        .join(VendorOrder, VendorOrder.id == OrderLine.vendor_order_id)
        .where(OrderLine.offer_hold.in_(list(deal_holds(deal_ids))), _placed())
        .group_by(Order.country_code, Order.currency)
    ):
        figures = result[country]
        figures.units += int(units or 0)
        figures.gross.add(int(gross or 0), currency, converter)
        figures.net.add(int(gross or 0) - int(undone or 0), currency, converter)
    return dict(result)


def vendor_orders_by_store(deal_ids: Sequence[int]) -> dict[int, int]:
    """Placed vendor orders holding at least one line of these deals, per store."""
    if not deal_ids:
        return {}
    parts = select(OrderLine.vendor_order_id).where(OrderLine.offer_hold.in_(list(deal_holds(deal_ids))))
    return {store_id: count for store_id, count in db.session.execute(
        select(VendorOrder.store_id, func.count(VendorOrder.id))
        .join(Order, Order.id == VendorOrder.order_id)
        .where(_placed(), VendorOrder.id.in_(parts)).group_by(VendorOrder.store_id)
    )}


def reserved_now(deal_ids: Sequence[int], at: datetime) -> dict[int, int]:
    """Units of each deal held by checkouts still waiting for payment whose reservation has not ended."""
    if not deal_ids:
        return {}
    holds = deal_holds(deal_ids)
    reserved: dict[int, int] = defaultdict(int)
    for hold, units in db.session.execute(
        select(OrderLine.offer_hold, func.sum(_units()))
        .join(Order, Order.id == OrderLine.order_id)
        .where(OrderLine.offer_hold.in_(list(holds)),
               Order.payment_state == PaymentState.PENDING, Order.reserved_until > at)
        .group_by(OrderLine.offer_hold)
    ):
        reserved[holds[hold]] += int(units or 0)
    return dict(reserved)


def sold_out_at(deals: Sequence[Deal], at: datetime) -> dict[int, datetime]:
    """For each deal whose units are all taken, the instant the order that took its last unit was placed:
    its kept lines (placed and not undone, or still held by a checkout) counted in the order they came."""
    full = {deal.id: deal.cap for deal in deals if deal.sold >= deal.cap}
    if not full:
        return {}
    kept = (_placed() & VendorOrder.status.not_in(UNDONE_PARTS)) | (
        (Order.payment_state == PaymentState.PENDING) & (Order.reserved_until > at))
    taken: dict[int, int] = defaultdict(int)
    result: dict[int, datetime] = {}
    for hold, created_at, quantity in db.session.execute(
        select(OrderLine.offer_hold, Order.created_at, OrderLine.quantity)
        .join(Order, Order.id == OrderLine.order_id)
        .join(VendorOrder, VendorOrder.id == OrderLine.vendor_order_id)
        .where(OrderLine.offer_hold.in_([deal_hold(i) for i in full]), kept)
        .order_by(Order.created_at, Order.id, OrderLine.id)
    ):
        if hold.id in result:
            continue
        taken[hold.id] += quantity
        if taken[hold.id] >= full[hold.id]:
            result[hold.id] = created_at
    return result


def negative_stock(product_ids: Sequence[int]) -> int:
    """How many of the products show a stock below zero (the database refuses it; counted to prove it)."""
    if not product_ids:
        return 0
    return int(db.session.scalar(
        select(func.count(Product.id)).where(Product.id.in_(product_ids), Product.stock < 0)) or 0)


def festival_deals(festival_id: int) -> list[Deal]:
    """Every deal of the festival with its wave, product (and its texts) and store, by wave and id, loaded in
    a fixed number of queries however many deals there are."""
    return list(db.session.scalars(
        select(Deal).join(Wave, Wave.id == Deal.wave_id).where(Deal.festival_id == festival_id)
        .options(selectinload(Deal.product).selectinload(Product.store), selectinload(Deal.store))
        .order_by(Wave.starts_at, Deal.id)
    ))


def stores_of(store_ids: Sequence[int]) -> dict[int, Store]:
    """The stores by id."""
    if not store_ids:
        return {}
    return {store.id: store for store in db.session.scalars(select(Store).where(Store.id.in_(store_ids)))}


def _next_hour(at: datetime) -> datetime:
    floor = at.replace(minute=0, second=0, microsecond=0)
    return floor if floor == at else floor + timedelta(hours=1)


def journey_counts(festival_id: int) -> dict[str, int]:
    """How often the festival's approved deals' products were seen, added to carts and taken to checkout
    while their wave was open, per step (journey counts written so far). Whole hours of a wave are read
    from `funnel_hours`, only the minutes before its first and after its last whole hour from
    `funnel_counts`: two small queries per wave, whatever the traffic."""
    result: dict[str, int] = defaultdict(int)
    steps = [step.value for step in FunnelStep]  # named, so each product's rows are read by step and time
    waves = db.session.execute(select(Wave.id, Wave.starts_at, Wave.ends_at)
                               .where(Wave.festival_id == festival_id).order_by(Wave.starts_at)).all()
    for wave_id, starts_at, ends_at in waves:
        starts_at, ends_at = clock.to_utc(starts_at), clock.to_utc(ends_at)
        products = select(Deal.product_id).where(Deal.wave_id == wave_id, Deal.status == DealStatus.APPROVED)
        first_hour, last_hour = _next_hour(starts_at), ends_at.replace(minute=0, second=0, microsecond=0)
        if first_hour < last_hour:
            spans = [(FunnelHour, FunnelHour.hour, first_hour, last_hour),
                     (FunnelCount, FunnelCount.minute, starts_at, first_hour),
                     (FunnelCount, FunnelCount.minute, last_hour, ends_at)]
        else:
            spans = [(FunnelCount, FunnelCount.minute, starts_at, ends_at)]
        for model, column, low, high in spans:
            if low >= high:
                continue
            for step, count in db.session.execute(
                select(model.step, func.sum(model.count))
                .where(model.product_id.in_(products), model.step.in_(steps), column >= low, column < high)
                .group_by(model.step)
            ):
                result[step] += int(count or 0)
    return dict(result)


def lines_bought(deal_ids: Sequence[int]) -> int:
    """Order lines at these deals' prices in placed orders (one per deal product in an order)."""
    if not deal_ids:
        return 0
    return int(db.session.scalar(
        select(func.count(OrderLine.id)).join(Order, Order.id == OrderLine.order_id)
        .where(OrderLine.offer_hold.in_(list(deal_holds(deal_ids))), _placed())) or 0)
