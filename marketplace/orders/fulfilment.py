"""Vendor orders after checkout: vendors pack, ship, deliver, cancel and record payment.

Refunds are in orders/refunds; cancelling a paid part records the refund of what is left of it.

Every function takes the acting user and checks it: a vendor reaches only vendor orders of stores
it owns (another store's is NotFound, so ids cannot be probed), staff reach all. Each change is one
transaction. It first locks the order row, then claims the vendor order with a conditional UPDATE
on the state it was read in, so a double click, a second tab or another vendor acting on the same
order at the same moment queues behind it and then finds the change made, never makes it twice.
E-mails go out after the commit.
"""
from __future__ import annotations

import enum
import math
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, func, select, update
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import User
from marketplace.catalog.services import Page
from marketplace.core import clock
from marketplace.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationError
from marketplace.extensions import db
from marketplace.orders import emails
from marketplace.orders.holds.stock import give_back_lines
from marketplace.orders.models import FulfilmentState, Order, OrderEvent, PaymentState, VendorOrder
from marketplace.orders.refunds.models import Refund
from marketplace.orders.refunds.services import all_refunds_succeeded, left_to_refund, record_vendor_order_refund
from marketplace.orders.refunds.sync import send_refund
from marketplace.orders.states import can_move, move_vendor_order, update_payment_state
from marketplace.payments.offline_gateway import OfflineGateway
from marketplace.vendors.models import Store
from marketplace.vendors.payables import post_sale

F = FulfilmentState
PER_PAGE = 25
MAX_TRACKING = 80
MAX_REASON = 1000
MIN_REASON = 3
ADVANCES = frozenset({F.PACKED, F.SHIPPED, F.DELIVERED})
# Offline orders are paid on delivery, so payment may be recorded at any point before cancellation.
PAYABLE_OFFLINE = frozenset({F.CONFIRMED, F.PACKED, F.SHIPPED, F.DELIVERED})
PAYMENT_RECORDED = "payment_recorded"  # history `to_state` of a payment recorded without a state move
vendor_orders_table = VendorOrder.__table__


class Action(enum.StrEnum):
    PACK = "pack"
    SHIP = "ship"
    DELIVER = "deliver"
    CANCEL = "cancel"
    RECORD_PAYMENT = "record_payment"


ADVANCE_ACTIONS = {Action.PACK: F.PACKED, Action.SHIP: F.SHIPPED, Action.DELIVER: F.DELIVERED}


@dataclass(frozen=True)
class OrderFilters:
    """What staff narrow the order list by; None means any."""

    payment_state: PaymentState | None = None
    store_id: int | None = None
    reference: str = ""


def is_offline(order: Order) -> bool:
    """Whether the order is paid on delivery (nothing was collected online)."""
    return order.gateway == OfflineGateway.name


def _paginate(query: Select, count_column: ColumnElement, page: int, per_page: int) -> tuple[int, int, int]:
    """(total, page number within range, offset) for one page of `query`."""
    total = db.session.scalar(query.with_only_columns(func.count(count_column)).order_by(None)) or 0
    number = min(max(page, 1), max(1, math.ceil(total / per_page)))
    return total, number, (number - 1) * per_page


# --- reading -------------------------------------------------------------------------------------

def vendor_orders_for(vendor: User, status: FulfilmentState | None = None, page: int = 1,
                      per_page: int = PER_PAGE) -> Page[VendorOrder]:
    """One page of the vendor's own vendor orders, newest first, maybe of one status; empty without a store."""
    query = select(VendorOrder).join(VendorOrder.store).where(Store.owner_id == vendor.id)
    if status is not None:
        query = query.where(VendorOrder.status == status)
    total, number, offset = _paginate(query, VendorOrder.id, page, per_page)
    items = db.session.scalars(
        query.options(selectinload(VendorOrder.order), selectinload(VendorOrder.lines))
        .order_by(VendorOrder.id.desc()).limit(per_page).offset(offset)
    ).all()
    return Page(list(items), number, per_page, total)


def vendor_order_counts(vendor: User) -> dict[FulfilmentState, int]:
    """How many of the vendor's own vendor orders are in each state."""
    rows = db.session.execute(
        select(VendorOrder.status, func.count(VendorOrder.id)).join(VendorOrder.store)
        .where(Store.owner_id == vendor.id).group_by(VendorOrder.status)
    )
    return {status: count for status, count in rows}


def get_vendor_order(user: User, vendor_order_id: int) -> VendorOrder:
    """The vendor order when `user` is staff or owns its store; NotFound otherwise (never a hint it exists)."""
    vendor_order = db.session.get(VendorOrder, vendor_order_id)
    if vendor_order is None or not (user.is_staff or vendor_order.store.owner_id == user.id):
        raise NotFound("no such vendor order")
    return vendor_order


def vendor_order_history(vendor_order: VendorOrder) -> list[OrderEvent]:
    """The vendor order's own history, with the order's placing (nothing about other vendors' parts)."""
    return [event for event in vendor_order.order.events
            if event.vendor_order_id == vendor_order.id or event.to_state == "placed"]


def allowed_actions(user: User, vendor_order: VendorOrder) -> frozenset[Action]:
    """What `user` may do to the vendor order now, so pages offer only moves the table allows."""
    status, actions = vendor_order.status, set()
    for action, target in ADVANCE_ACTIONS.items():
        if can_move(status, target):
            actions.add(action)
    if status != F.PENDING and can_move(status, F.CANCELLED):
        actions.add(Action.CANCEL)
    if is_offline(vendor_order.order) and vendor_order.paid_at is None and status in PAYABLE_OFFLINE:
        actions.add(Action.RECORD_PAYMENT)
    return frozenset(actions)


def _require_staff(user: User) -> None:
    if not user.is_staff:
        raise PermissionDenied(_("Only campaign staff can do this."))


def all_orders(staff: User, filters: OrderFilters = OrderFilters(), page: int = 1,
               per_page: int = PER_PAGE) -> Page[Order]:
    """One page of every order, newest first, filtered by payment state, store and reference; staff only."""
    _require_staff(staff)
    query = select(Order)
    if filters.payment_state is not None:
        query = query.where(Order.payment_state == filters.payment_state)
    if filters.store_id is not None:
        query = query.where(Order.vendor_orders.any(VendorOrder.store_id == filters.store_id))
    reference = filters.reference.strip().upper()[:16]
    if reference:
        query = query.where(Order.reference.contains(reference, autoescape=True))
    total, number, offset = _paginate(query, Order.id, page, per_page)
    items = db.session.scalars(
        query.options(selectinload(Order.vendor_orders).selectinload(VendorOrder.store))
        .order_by(Order.id.desc()).limit(per_page).offset(offset)
    ).all()
    return Page(list(items), number, per_page, total)


def stores_with_orders(staff: User) -> list[Store]:
    """Stores that have at least one vendor order, by name, for the staff filter; staff only."""
    _require_staff(staff)
    return list(db.session.scalars(
        select(Store).where(select(VendorOrder.id).where(VendorOrder.store_id == Store.id).exists())
        .order_by(Store.name, Store.id)
    ))


def get_order_for_staff(staff: User, order_id: int) -> Order:
    """The order with its vendor orders and history; PermissionDenied for non-staff, NotFound when missing."""
    _require_staff(staff)
    order = db.session.get(Order, order_id)
    if order is None:
        raise NotFound("no such order")
    return order


# --- changing ------------------------------------------------------------------------------------

def _claim(vendor_order: VendorOrder) -> None:
    """Lock the order, then the vendor order as it was read; Conflict when someone changed it meanwhile."""
    status, paid = vendor_order.status, vendor_order.paid_at is not None
    # Order row first, always: two vendors changing parts of one order queue here, and the one that
    # waited then reads the other's committed part when it derives the order's payment state.
    db.session.execute(select(Order.id).where(Order.id == vendor_order.order_id).with_for_update())
    paid_condition = (vendor_orders_table.c.paid_at.is_not(None) if paid
                      else vendor_orders_table.c.paid_at.is_(None))
    claimed = db.session.execute(
        update(vendor_orders_table)
        .where(vendor_orders_table.c.id == vendor_order.id, vendor_orders_table.c.status == status.value,
               paid_condition)
        .values(updated_at=clock.now())
    ).rowcount
    if not claimed:
        db.session.rollback()
        raise Conflict(_("This order was changed meanwhile. Check how it stands now."))
    db.session.expire_all()  # everything read before the lock is re-read from here on


def _commit_or_rollback() -> None:
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


def check_tracking_reference(text: str) -> str:
    """The tracking reference trimmed ("" when none); ValidationError unless 1–80 printable characters."""
    value = (text or "").strip()
    if value and (len(value) > MAX_TRACKING or not value.isprintable()):
        message = _("A tracking reference has 1 to 80 printable characters.")
        raise ValidationError(message, {"tracking_reference": message})
    return value


def check_cancel_reason(text: str) -> str:
    """The cancellation reason trimmed; ValidationError unless it has 3 to 1,000 characters."""
    value = (text or "").strip()
    if not MIN_REASON <= len(value) <= MAX_REASON:
        message = _("Give a reason of 3 to 1,000 characters.")
        raise ValidationError(message, {"reason": message})
    return value


def advance_vendor_order(user: User, vendor_order_id: int, target: FulfilmentState,
                         tracking_reference: str = "") -> VendorOrder:
    """Mark the vendor order packed, shipped (with an optional tracking reference) or delivered, and tell
    the shopper; NotFound (not yours), ValidationError (bad target or tracking), Conflict (not allowed now)."""
    vendor_order = get_vendor_order(user, vendor_order_id)
    if target not in ADVANCES:
        raise ValidationError(_("Choose packed, shipped or delivered."))
    tracking = check_tracking_reference(tracking_reference) if target == F.SHIPPED else ""
    _claim(vendor_order)
    try:
        move_vendor_order(vendor_order, target, user.id)
    except Conflict:
        db.session.rollback()
        raise
    if tracking:
        vendor_order.tracking_reference = tracking
    _commit_or_rollback()
    emails.vendor_order_moved(vendor_order, by_staff=user.is_staff)
    return vendor_order


def cancel_vendor_order(user: User, vendor_order_id: int, reason: str) -> VendorOrder:
    """Cancel the vendor order before it ships: units back in stock, and for a paid part a refund of what is
    left of it (reversed in the ledger, sent after the commit); NotFound (not yours), ValidationError (no
    reason), Conflict (too late)."""
    vendor_order = get_vendor_order(user, vendor_order_id)
    note = check_cancel_reason(reason)
    if vendor_order.status == F.PENDING:
        # The shopper may be paying right now; an unpaid reservation ends by itself.
        raise Conflict(_("This order is still awaiting online payment. It is cancelled automatically if the "
                         "payment does not arrive."))
    _claim(vendor_order)
    try:
        move_vendor_order(vendor_order, F.CANCELLED, user.id, note)
        give_back_lines([line for line in vendor_order.lines if line.cancelled_at is None],  # not given back alone
                        vendor_order.order.shopper_id, settled=vendor_order.paid_at is not None)
        refund: Refund | None = None
        left = left_to_refund(vendor_order)
        if left.amount > 0:
            refund = record_vendor_order_refund(vendor_order, left.amount, note, user.id)
        elif vendor_order.paid_at is not None and all_refunds_succeeded(vendor_order):
            move_vendor_order(vendor_order, F.REFUNDED, user.id, note)  # its money was all sent back before
        update_payment_state(vendor_order.order, user.id)
    except DomainError:
        db.session.rollback()
        raise
    _commit_or_rollback()
    emails.vendor_order_moved(vendor_order, reason=note, by_staff=user.is_staff)
    if refund is not None:
        send_refund(refund.id)
    return vendor_order


def record_offline_payment(user: User, vendor_order_id: int) -> VendorOrder:
    """Record that the shopper paid this part on delivery: the store is owed it in the ledger once; NotFound
    (not yours), Conflict (paid online, already recorded, or cancelled)."""
    vendor_order = get_vendor_order(user, vendor_order_id)
    if not is_offline(vendor_order.order):
        raise Conflict(_("This order was paid online; there is no payment to record."))
    if vendor_order.paid_at is not None:
        raise Conflict(_("The payment for this order was already recorded."))
    if vendor_order.status not in PAYABLE_OFFLINE:
        raise Conflict(_("A cancelled or refunded order cannot be paid."))
    _claim(vendor_order)
    moved = vendor_order.status == F.CONFIRMED
    try:
        mark_vendor_order_paid(vendor_order, user.id)
        vendor_order.order.paid_amount += vendor_order.subtotal_amount
        vendor_order.order.paid_currency = vendor_order.order.currency
        update_payment_state(vendor_order.order, user.id)
    except DomainError:
        db.session.rollback()
        raise
    _commit_or_rollback()
    if moved:
        emails.vendor_order_moved(vendor_order, by_staff=user.is_staff)
    return vendor_order


def mark_vendor_order_paid(vendor_order: VendorOrder, actor_id: int | None) -> None:
    """Set paid_at, move a pending or confirmed part to paid (else only note the payment in its history) and
    owe the store in the ledger, in the caller's transaction; the order's payment state is the caller's."""
    vendor_order.paid_at = clock.now()
    if can_move(vendor_order.status, F.PAID):
        move_vendor_order(vendor_order, F.PAID, actor_id)
    else:
        db.session.add(OrderEvent(order_id=vendor_order.order_id, vendor_order_id=vendor_order.id,
                                  actor_id=actor_id, from_state=vendor_order.status.value,
                                  to_state=PAYMENT_RECORDED))
    db.session.flush()
    post_sale(vendor_order)
