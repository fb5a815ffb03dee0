"""Campaign staff pages for orders and vendor payables: every order, balances, export, settlement (refunds:
orders/refunds/views.py, on the same order page)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from marketplace.accounts.auth import staff_required
from marketplace.core.errors import Conflict, NotFound, ValidationError
from marketplace.core.forms import apply_errors
from marketplace.core.i18n import current_language
from marketplace.core.money import Money
from marketplace.orders import fulfilment
from marketplace.orders.backoffice import part_actions
from marketplace.orders.backoffice.forms import (
    ActionForm,
    CancelForm,
    OrderFilterForm,
    PayoutForm,
    PeriodForm,
    RefundForm,
    SettleForm,
    ShipForm,
)
from marketplace.orders.backoffice.labels import template_labels
from marketplace.orders.fulfilment import Action, OrderFilters
from marketplace.orders.models import Order
from marketplace.orders.refunds import services as refunds
from marketplace.vendors import payables

bp = Blueprint("staff_orders", __name__, url_prefix="/<lang:lang_code>/staff")
ORDER = "<int(max=2147483647):order_id>"
VENDOR_ORDER = "<int(max=2147483647):vendor_order_id>"

bp.context_processor(template_labels)


@bp.get("/orders/")
@staff_required
def index() -> str:
    """Every order, newest first, filtered by payment state, store and reference."""
    form = OrderFilterForm(request.args)
    form.set_stores(fulfilment.stores_with_orders(current_user))
    filters = OrderFilters(form.chosen_state(), form.chosen_store(), form.q.data or "")
    page = fulfilment.all_orders(current_user, filters, page=request.args.get("page", 1, type=int))
    return render_template("staff_orders/list.html", form=form, page=page)


def refund_form(key: str, formdata: bool = True, amount: Money | None = None) -> RefundForm:
    """The refund form of one part (`key` its id) or of the whole order ("order"); the prefix keeps the page's
    forms apart. A blank form offers what is left to refund."""
    if formdata:
        return RefundForm(prefix=f"refund-{key}")
    form = RefundForm(formdata=None, prefix=f"refund-{key}")
    if amount is not None and amount.amount > 0:
        form.amount.data = format(amount.to_decimal(), "f")
    return form


def _ship_form(part_id: int, formdata: bool = True) -> ShipForm:
    return ShipForm(prefix=f"ship-{part_id}") if formdata else ShipForm(formdata=None, prefix=f"ship-{part_id}")


def _cancel_form(part_id: int, formdata: bool = True) -> CancelForm:
    return CancelForm(prefix=f"cancel-{part_id}") if formdata else CancelForm(formdata=None, prefix=f"cancel-{part_id}")


def order_page(order: Order, failed: tuple[str, FlaskForm] | None = None, status: int = 200) -> tuple[str, int]:
    """The order page; `failed` is a refused form (keyed like the page's forms) to show with its messages."""
    forms: dict[str, FlaskForm] = {"order": refund_form("order", formdata=False)}
    left = {part.id: refunds.left_to_refund(part) for part in order.vendor_orders}
    for part in order.vendor_orders:
        forms[str(part.id)] = refund_form(str(part.id), formdata=False, amount=left[part.id])
        forms[f"ship-{part.id}"] = _ship_form(part.id, formdata=False)
        forms[f"cancel-{part.id}"] = _cancel_form(part.id, formdata=False)
    if failed is not None:
        forms[failed[0]] = failed[1]
    return render_template(
        "staff_orders/detail.html", order=order, forms=forms, action_form=ActionForm(),
        actions={part.id: fulfilment.allowed_actions(current_user, part) for part in order.vendor_orders},
        parts={part.id: part.store.name for part in order.vendor_orders}, Action=Action,
        whole_refund=refunds.whole_order_refundable(order), left=left, payout_form=PayoutForm(formdata=None),
        order_paid=Money(order.paid_amount - order.refunded_amount, order.paid_currency or order.currency),
    ), status


def _order_of(vendor_order_id: int) -> int:
    return fulfilment.get_vendor_order(current_user, vendor_order_id).order_id


@bp.get(f"/orders/{ORDER}")
@staff_required
def detail(order_id: int) -> tuple[str, int]:
    """One order: its shopper, delivery, every vendor's part, the full history, and refunds."""
    return order_page(fulfilment.get_order_for_staff(current_user, order_id))


@bp.post(f"/orders/parts/{VENDOR_ORDER}/<any(pack, ship, deliver):move>")
@staff_required
def advance(vendor_order_id: int, move: str) -> Response | tuple[str, int]:
    """Mark a vendor order packed, shipped or delivered for its store (a store that cannot, or a mistake)."""
    order_id = _order_of(vendor_order_id)
    page = part_actions.advance(vendor_order_id, move, _ship_form(vendor_order_id), lambda form: order_page(
        fulfilment.get_order_for_staff(current_user, order_id), (f"ship-{vendor_order_id}", form), 422))
    return page or redirect(url_for(".detail", order_id=order_id))


@bp.post(f"/orders/parts/{VENDOR_ORDER}/cancel")
@staff_required
def cancel(vendor_order_id: int) -> Response | tuple[str, int]:
    """Cancel a vendor order before it ships, with a reason the shopper sees."""
    order_id = _order_of(vendor_order_id)
    page = part_actions.cancel(
        vendor_order_id, _cancel_form(vendor_order_id),
        lambda form: order_page(fulfilment.get_order_for_staff(current_user, order_id),
                             (f"cancel-{vendor_order_id}", form), 422),
        lambda: _("The shopper had paid: what was left of the payment is being refunded (see below)."))
    return page or redirect(url_for(".detail", order_id=order_id))


@bp.post(f"/orders/parts/{VENDOR_ORDER}/payment")
@staff_required
def record_payment(vendor_order_id: int) -> Response:
    """Record a payment on delivery the store reported."""
    order_id = _order_of(vendor_order_id)
    part_actions.record_payment(
        vendor_order_id, lambda: _("Payment recorded. It is added to what the campaign owes the store."))
    return redirect(url_for(".detail", order_id=order_id))


def _period_from(args) -> tuple[PeriodForm, payables.Period | None]:
    """The period asked for (last month when none), or None with the form showing what is wrong."""
    form = PeriodForm(args)
    if not (form.start.data or form.end.data):
        period = payables.default_period()
        form.start.data, form.end.data = period.start.isoformat(), period.end.isoformat()
        return form, period
    try:
        return form, payables.parse_period(form.start.data or "", form.end.data or "")
    except ValidationError as exc:
        apply_errors(form, exc)
        return form, None


@bp.get("/payables/")
@staff_required
def payables_page() -> tuple[str, int]:
    """Each store's unsettled balance per currency, the part of it in a period, and settling that part."""
    form, period = _period_from(request.args)
    return render_template(
        "staff_orders/payables.html", form=form, period=period, settle_form=SettleForm(formdata=None),
        balances=payables.unsettled_balances(current_user, period),
        settlements=payables.recent_settlements(current_user),
    ), 200 if period is not None else 422


@bp.get("/payables/export.csv")
@staff_required
def export_payables() -> Response:
    """The ledger entries created in the period as a CSV file."""
    form, period = _period_from(request.args)
    if period is None:
        flash(_("Choose a valid period to export."), "error")
        return redirect(url_for(".payables_page", start=form.start.data or "", end=form.end.data or ""))
    body = payables.export_entries_csv(current_user, period)
    name = f"payables-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "private, no-store",
    })


@bp.post("/payables/settle")
@staff_required
def settle() -> Response:
    """Record that a store was paid its unsettled entries of one currency in the period."""
    form = SettleForm()
    start, end = form.start.data or "", form.end.data or ""
    if form.validate_on_submit():
        store_id = form.store_id.data or ""
        try:
            if not (store_id.isdigit() and len(store_id) < 10):
                raise NotFound("no such store")
            period = payables.parse_period(start, end)
            settlement = payables.settle_period(current_user, int(store_id), form.currency.data or "", period,
                                                form.transfer_reference.data or "")
        except (ValidationError, Conflict) as exc:
            flash(exc.message, "error")
        else:
            amount = Money(settlement.amount, settlement.currency).format(current_language().code)
            flash(_("Settled: %(amount)s recorded as paid; its entries no longer count in the balance.",
                    amount=amount), "success")
    return redirect(url_for(".payables_page", start=start, end=end))
