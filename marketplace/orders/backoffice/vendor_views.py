"""Vendor pages for orders: the list with its states and payables, and one vendor order with its actions.

Vendors only; each page works on the signed-in vendor's own store, and another store's vendor order
answers 404 (the services raise NotFound, never a hint that it exists).
"""
from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from marketplace.accounts.auth import role_required
from marketplace.accounts.models import Role
from marketplace.orders import fulfilment
from marketplace.orders.backoffice import part_actions
from marketplace.orders.backoffice.forms import ActionForm, CancelForm, ShipForm
from marketplace.orders.backoffice.labels import template_labels
from marketplace.orders.fulfilment import Action
from marketplace.orders.models import FulfilmentState, VendorOrder
from marketplace.vendors.payables import vendor_balances
from marketplace.vendors.services import store_of

bp = Blueprint("vendor_orders", __name__, url_prefix="/<lang:lang_code>/vendor/orders")
vendor_only = role_required(Role.VENDOR)
vendor_or_staff = role_required(Role.VENDOR, Role.STAFF, Role.ADMIN)
# Ids past a 32-bit integer are simply not found (SQLite cannot even bind them).
VENDOR_ORDER = "<int(max=2147483647):vendor_order_id>"

bp.context_processor(template_labels)


@bp.before_request
def read_times_on_the_stores_clocks() -> None:
    """Order times are shown in the store's zone unless the vendor chose another (see `viewer_zone`)."""
    store = store_of(current_user) if current_user.is_authenticated else None
    if store is not None:
        g.home_country = store.country_code


@bp.get("/")
@vendor_only
def index() -> str:
    """The vendor's orders, newest first, by state, with what the campaign owes the store."""
    chosen = request.args.get("status", "")
    status = FulfilmentState(chosen) if chosen in set(FulfilmentState) else None
    page = fulfilment.vendor_orders_for(current_user, status, page=request.args.get("page", 1, type=int))
    counts = fulfilment.vendor_order_counts(current_user)
    return render_template(
        "vendor_orders/list.html", page=page, status=status, counts=counts, total=sum(counts.values()),
        statuses=list(FulfilmentState), store=store_of(current_user), balances=vendor_balances(current_user),
    )


def _detail(vendor_order: VendorOrder, ship_form: ShipForm | None = None, cancel_form: CancelForm | None = None,
            status: int = 200) -> tuple[str, int]:
    return render_template(
        "vendor_orders/detail.html", vendor_order=vendor_order, order=vendor_order.order,
        actions=fulfilment.allowed_actions(current_user, vendor_order),
        history=fulfilment.vendor_order_history(vendor_order), action_form=ActionForm(),
        ship_form=ship_form or ShipForm(formdata=None), cancel_form=cancel_form or CancelForm(formdata=None),
        Action=Action,
    ), status


@bp.get(f"/{VENDOR_ORDER}")
@vendor_only
def detail(vendor_order_id: int) -> tuple[str, int]:
    """One vendor order: what to send where, its payment, its history, and the moves allowed now."""
    return _detail(fulfilment.get_vendor_order(current_user, vendor_order_id))


@bp.get(f"/{VENDOR_ORDER}/packing-slip")
@vendor_or_staff
def packing_slip(vendor_order_id: int) -> str:
    """A printable packing slip and address label for one vendor order: its store's vendor and staff only."""
    vendor_order = fulfilment.get_vendor_order(current_user, vendor_order_id)
    return render_template("vendor_orders/packing_slip.html", vendor_order=vendor_order, order=vendor_order.order)


@bp.post(f"/{VENDOR_ORDER}/<any(pack, ship, deliver):move>")
@vendor_only
def advance(vendor_order_id: int, move: str) -> Response | tuple[str, int]:
    """Mark the vendor order packed, shipped (with an optional tracking reference) or delivered."""
    page = part_actions.advance(vendor_order_id, move, ShipForm(), lambda form: _detail(
        fulfilment.get_vendor_order(current_user, vendor_order_id), ship_form=form, status=422))
    return page or redirect(url_for(".detail", vendor_order_id=vendor_order_id))


@bp.post(f"/{VENDOR_ORDER}/cancel")
@vendor_only
def cancel(vendor_order_id: int) -> Response | tuple[str, int]:
    """Cancel the vendor order before it ships, with a reason the shopper sees."""
    page = part_actions.cancel(
        vendor_order_id, CancelForm(),
        lambda form: _detail(fulfilment.get_vendor_order(current_user, vendor_order_id), cancel_form=form, status=422),
        lambda: _("The shopper had paid: what they paid for it is being refunded, and taken off what you are owed."))
    return page or redirect(url_for(".detail", vendor_order_id=vendor_order_id))


@bp.post(f"/{VENDOR_ORDER}/payment")
@vendor_only
def record_payment(vendor_order_id: int) -> Response:
    """Record that the shopper paid on delivery (cash or mobile money)."""
    part_actions.record_payment(
        vendor_order_id, lambda: _("Payment recorded. It is added to what the campaign owes your store."))
    return redirect(url_for(".detail", vendor_order_id=vendor_order_id))
