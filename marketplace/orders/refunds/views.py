"""Staff refund buttons on the staff order page: refund a vendor's part (amount, reason) or money no part
holds, retry a refund that did not go out, record a cash or mobile-money refund as paid out; and the queue
of refunds waiting for staff, counted on the staff home."""
from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from marketplace.accounts.auth import staff_required
from marketplace.core.errors import Conflict, ValidationError
from marketplace.core.forms import apply_errors
from marketplace.core.i18n import current_language
from marketplace.orders import fulfilment
from marketplace.orders.backoffice.forms import ActionForm, PayoutForm
from marketplace.orders.backoffice.labels import template_labels
from marketplace.orders.backoffice.staff_views import order_page, refund_form
from marketplace.orders.refunds import services
from marketplace.orders.refunds.models import Refund, RefundState
from marketplace.staff.registry import PendingWork, register_pending_work

bp = Blueprint("staff_refunds", __name__, url_prefix="/<lang:lang_code>/staff")
ORDER = "<int(max=2147483647):order_id>"
VENDOR_ORDER = "<int(max=2147483647):vendor_order_id>"
REFUND = "<int(max=2147483647):refund_id>"

bp.context_processor(template_labels)  # a refused form shows the staff order page again


def refunds_waiting() -> list[PendingWork]:
    """The staff home's count of refunds to retry or to pay out, linking to their queue."""
    return [PendingWork("refunds-waiting", _("Refunds to retry or pay out"), services.count_refunds_needing_staff(),
                        url_for("staff_refunds.queue"), 45)]


def init_app(app: Flask) -> None:
    """Register the refund pages and the staff home's count."""
    app.register_blueprint(bp)
    register_pending_work(app, refunds_waiting)


@bp.get("/refunds/")
@staff_required
def queue() -> str:
    """Refunds waiting for staff: not sent yet (the payment service could not be reached), refused, or to be
    paid back in cash or by mobile money; each links to its order page, where its buttons are."""
    return render_template("refunds/queue.html", refunds=services.refunds_needing_staff(current_user),
                           limit=services.QUEUE_LIMIT)


def _flash_outcome(refund: Refund) -> None:
    """Say how a refund stands after it was sent (or not)."""
    amount = refund.money.format(current_language().code)
    if refund.state == RefundState.SUCCEEDED:
        flash(_("Refunded: %(amount)s went back to the shopper and is taken off what the store is owed.",
                amount=amount), "success")
    elif refund.state == RefundState.PENDING:
        flash(_("Refund of %(amount)s sent: the payment service is returning it to the shopper.", amount=amount),
              "success")
    elif refund.state == RefundState.TO_PAY_OUT:
        flash(_("Refund of %(amount)s recorded: pay it back to the shopper in cash or by mobile money, then "
                "mark it paid out below.", amount=amount), "success")
    elif refund.state == RefundState.FAILED:
        flash(_("The payment service refused the refund of %(amount)s: %(error)s. Check it, then retry.",
                amount=amount, error=refund.last_error), "error")
    else:
        flash(_("The payment service could not be reached: the refund of %(amount)s is saved and is sent again "
                "automatically, or when you press Retry.", amount=amount), "error")


@bp.post(f"/orders/parts/{VENDOR_ORDER}/refunds")
@staff_required
def refund_part(vendor_order_id: int) -> Response | tuple[str, int]:
    """Refund an amount of a paid vendor order, with a reason the shopper reads."""
    vendor_order = fulfilment.get_vendor_order(current_user, vendor_order_id)
    order_id = vendor_order.order_id
    form = refund_form(str(vendor_order_id))
    if form.validate_on_submit():
        try:
            amount = services.parse_refund_amount(form.amount.data or "", vendor_order.currency)
            refund = services.refund_vendor_order(current_user, vendor_order, amount, form.reason.data or "")
        except ValidationError as exc:
            apply_errors(form, exc)
            return order_page(fulfilment.get_order_for_staff(current_user, order_id), (str(vendor_order_id), form),
                              422)
        except Conflict as exc:
            flash(exc.message, "error")
        else:
            _flash_outcome(refund)
    return redirect(url_for("staff_orders.detail", order_id=order_id))


@bp.post(f"/orders/{ORDER}/refunds")
@staff_required
def refund_order(order_id: int) -> Response | tuple[str, int]:
    """Refund money an order's payment brought that no vendor order holds (it came too late, or wrong)."""
    order = fulfilment.get_order_for_staff(current_user, order_id)
    form = refund_form("order")
    if form.validate_on_submit():
        try:
            refund = services.refund_order_payment(current_user, order, form.reason.data or "")
        except ValidationError as exc:
            apply_errors(form, exc)
            return order_page(fulfilment.get_order_for_staff(current_user, order_id), ("order", form), 422)
        except Conflict as exc:
            flash(exc.message, "error")
        else:
            _flash_outcome(refund)
    return redirect(url_for("staff_orders.detail", order_id=order_id))


@bp.post(f"/refunds/{REFUND}/retry")
@staff_required
def retry(refund_id: int) -> Response:
    """Send a refund again that the payment service could not be reached for, or refused."""
    refund = services.get_refund(current_user, refund_id)
    order_id = refund.order_id
    if ActionForm().validate_on_submit():
        try:
            refund = services.retry_refund(current_user, refund_id)
        except Conflict as exc:
            flash(exc.message, "error")
        else:
            _flash_outcome(refund)
    return redirect(url_for("staff_orders.detail", order_id=order_id))


@bp.post(f"/refunds/{REFUND}/paid-out")
@staff_required
def paid_out(refund_id: int) -> Response:
    """Record that a pay-on-delivery refund was paid back in cash or by mobile money."""
    refund = services.get_refund(current_user, refund_id)
    order_id = refund.order_id
    form = PayoutForm()
    if form.validate_on_submit():
        try:
            refund = services.mark_refund_paid_out(current_user, refund_id, form.payout_reference.data or "")
        except (ValidationError, Conflict) as exc:
            flash(exc.message, "error")
        else:
            _flash_outcome(refund)
    return redirect(url_for("staff_orders.detail", order_id=order_id))
