"""The daily roll-up of sales: closed days summed once, so the dashboard reads a few rows per day instead of
every order of the period.

A closed day (before today on the clocks of the campaign's zone) is summed into three tables — per
charge currency with the delivery country and payment method, with the store, with the category — the
first time a dashboard asks for it, and marked built in `rollup_days` with its UTC bounds. Today is
always read live. Any change to an order, a vendor order or an order line, or a refund recorded (a payment, a
cancellation, a refund) deletes the mark of its order's day in the same transaction (`forget_changed_days`, a
session listener), so that day is summed again on the next read: the roll-up never shows a figure the
orders no longer hold. Building is its own transaction; two builders at once keep the first one's
rows and the second reads that period live instead.
"""
from __future__ import annotations

import logging
from datetime import date, timedelta
from itertools import chain
from typing import Any

from sqlalchemy import delete, event, exists, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from campaigns.reporting.models import RolledCategorySales, RolledDay, RolledOrderSales, RolledStoreSales
from campaigns.reporting.period import ReportPeriod, local_day, local_midnight, today_in
from campaigns.reporting.sales import SalesRows, live_rows, placed_in, taken_back_sum, undone_sum
from marketplace.catalog.models import Product
from marketplace.core import clock
from marketplace.extensions import db
from marketplace.orders.models import Order, OrderLine, VendorOrder
from marketplace.orders.refunds.models import Refund
from marketplace.vendors.models import Store

log = logging.getLogger(__name__)
ROLLED_TABLES = (RolledOrderSales, RolledStoreSales, RolledCategorySales)


def sales_rows(period: ReportPeriod) -> SalesRows:
    """The period's sums: its closed days from the roll-up (summing those not built yet first), today live."""
    today = today_in(period.zone)
    closed = [day for day in period.days if day < today]
    rows = SalesRows()
    if closed:
        texts = [day.isoformat() for day in closed]
        if not _build_missing(period.zone, texts):
            return live_rows(period)
        rows.extend(_rolled_rows(period.zone, texts))
    if period.last >= today:
        rows.extend(live_rows(ReportPeriod(max(period.first, today), period.last, period.zone)))
    return rows


def _built(zone: str, days: list[str]) -> set[str]:
    return set(db.session.scalars(select(RolledDay.day).where(RolledDay.zone == zone, RolledDay.day.in_(days))))


def _build_missing(zone: str, days: list[str]) -> bool:
    """Sum the days not built yet; False when another request built some of them at the same moment."""
    missing = sorted(set(days) - _built(zone, days))
    if not missing:
        return True
    try:
        build_days(zone, missing)
    except IntegrityError:
        db.session.rollback()
        log.info("roll-up of %s days in %s built by another request meanwhile", len(missing), zone)
        return False
    return True


def build_days(zone: str, days: list[str]) -> None:
    """Sum the placed orders of `days` (closed days, 'YYYY-MM-DD' in `zone`) into the roll-up and mark them
    built, in one transaction of its own (committed)."""
    wanted = set(days)
    first, last = date.fromisoformat(min(days)), date.fromisoformat(max(days))
    span = ReportPeriod(first, last, zone)
    day = local_day(Order.created_at, span, db.engine.dialect.name).label("day")
    for model in ROLLED_TABLES:
        db.session.execute(delete(model).where(model.zone == zone, model.day.in_(days)))
    order_keys = (day, Order.currency, Order.country_code, Order.gateway)
    counts = {tuple(row[:4]): row[4] for row in db.session.execute(
        select(*order_keys, func.count(Order.id)).where(*placed_in(span)).group_by(*order_keys))}
    money = {tuple(row[:4]): row[4:] for row in db.session.execute(
        select(*order_keys, func.sum(VendorOrder.subtotal_amount), taken_back_sum())
        .join(VendorOrder, VendorOrder.order_id == Order.id).where(*placed_in(span)).group_by(*order_keys))}
    _insert(RolledOrderSales, [
        {"zone": zone, "day": key[0], "currency": key[1], "country_code": key[2] or "", "gateway": key[3],
         "orders": counts[key], "gross": int((money.get(key) or (0, 0))[0] or 0),
         "undone": int((money.get(key) or (0, 0))[1] or 0)} for key in counts if key[0] in wanted])
    _insert(RolledStoreSales, [
        {"zone": zone, "day": text, "currency": currency, "store_id": store_id, "vendor_orders": count,
         "gross": int(gross or 0), "undone": int(undone or 0)}
        for text, currency, store_id, count, gross, undone in db.session.execute(
            select(day, Order.currency, VendorOrder.store_id, func.count(VendorOrder.id),
                   func.sum(VendorOrder.subtotal_amount), taken_back_sum())
            .join(VendorOrder, VendorOrder.order_id == Order.id).where(*placed_in(span))
            .group_by(day, Order.currency, VendorOrder.store_id)) if text in wanted])
    line_total = OrderLine.charge_unit_amount * OrderLine.quantity
    _insert(RolledCategorySales, [
        {"zone": zone, "day": text, "currency": currency, "category_id": category_id, "units": int(units or 0),
         "undone_units": int(undone_units or 0), "gross": int(gross or 0), "undone": int(undone or 0)}
        for text, currency, category_id, units, undone_units, gross, undone in db.session.execute(
            select(day, Order.currency, Product.category_id, func.sum(OrderLine.quantity),
                   undone_sum(OrderLine.quantity), func.sum(line_total), undone_sum(line_total))
            .join(OrderLine, OrderLine.order_id == Order.id)
            .join(VendorOrder, VendorOrder.id == OrderLine.vendor_order_id)
            .join(Product, Product.id == OrderLine.product_id).where(*placed_in(span))
            .group_by(day, Order.currency, Product.category_id)) if text in wanted])
    now = clock.now()
    _insert(RolledDay, [{"zone": zone, "day": text, "starts_at": local_midnight(date.fromisoformat(text), zone),
                         "ends_at": local_midnight(date.fromisoformat(text) + timedelta(days=1), zone),
                         "built_at": now} for text in days])
    db.session.commit()


def _insert(model, rows: list[dict[str, Any]]) -> None:
    if rows:
        db.session.execute(insert(model), rows)


def _rolled_rows(zone: str, days: list[str]) -> SalesRows:
    """The sums of built `days` from the roll-up tables."""
    orders, stores, categories = RolledOrderSales, RolledStoreSales, RolledCategorySales

    def grouped(model, *columns, sums):
        return [tuple(row) for row in db.session.execute(
            select(*columns, *(func.sum(column) for column in sums))
            .where(model.zone == zone, model.day.in_(days)).group_by(*columns))]

    return SalesRows(
        day_orders=grouped(orders, orders.day, orders.currency, sums=[orders.orders]),
        day_money=grouped(orders, orders.day, orders.currency, sums=[orders.gross, orders.undone]),
        day_units=grouped(categories, categories.day, sums=[categories.units, categories.undone_units]),
        buyer_orders=grouped(orders, orders.country_code, orders.currency, sums=[orders.orders]),
        buyer_money=grouped(orders, orders.country_code, orders.currency, sums=[orders.gross, orders.undone]),
        gateway_orders=grouped(orders, orders.gateway, orders.currency, sums=[orders.orders]),
        gateway_money=grouped(orders, orders.gateway, orders.currency, sums=[orders.gross, orders.undone]),
        store_countries=[tuple(row) for row in db.session.execute(
            select(Store.country_code, stores.currency, func.sum(stores.vendor_orders), func.sum(stores.gross),
                   func.sum(stores.undone)).join(Store, Store.id == stores.store_id)
            .where(stores.zone == zone, stores.day.in_(days)).group_by(Store.country_code, stores.currency))],
        categories=grouped(categories, categories.category_id, categories.currency,
                           sums=[categories.gross, categories.undone, categories.units, categories.undone_units]),
    )


FORGOTTEN = "rollup_days_forgotten"  # session.info: orders whose days this transaction has unmarked already


def forget_changed_days(session: Session, _context: Any) -> None:
    """After a flush that wrote orders, vendor orders or order lines, unmark the built days of those orders,
    in the same transaction (a session listener); once per order and transaction (a checkout flushes
    its order several times), forgotten again whenever a transaction or savepoint ends."""
    order_ids = set()
    for item in chain(session.new, session.dirty, session.deleted):
        if isinstance(item, Order):
            order_ids.add(item.id)
        elif isinstance(item, (VendorOrder, OrderLine, Refund)):  # a refund raises its part's refunded amount
            order_ids.add(item.order_id)
    order_ids.discard(None)
    done = session.info.setdefault(FORGOTTEN, set())
    order_ids -= done
    if not order_ids:
        return
    done.update(order_ids)
    days = RolledDay.__table__
    orders = Order.__table__
    session.connection().execute(delete(days).where(exists().where(
        orders.c.id.in_(order_ids), orders.c.created_at >= days.c.starts_at, orders.c.created_at < days.c.ends_at)))


def transaction_ended(session: Session, transaction: Any) -> None:
    """A transaction or savepoint ended (committed or rolled back): unmark again on the next flush. (Each
    flush also ends an inner "subtransaction" of its own; that one changes nothing here.)"""
    if transaction.parent is None or transaction.nested:
        session.info.pop(FORGOTTEN, None)


def listen_for_changes() -> None:
    """Attach `forget_changed_days` to the application's sessions (once, however many apps are built)."""
    if not event.contains(db.session, "after_flush", forget_changed_days):
        event.listen(db.session, "after_flush", forget_changed_days)
        event.listen(db.session, "after_transaction_end", transaction_ended)
