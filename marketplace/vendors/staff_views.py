"""Campaign staff pages: the vendor review queue, documents, product approval and campaign slots."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from marketplace.accounts.auth import staff_required
from marketplace.core.errors import Conflict, NotFound, ValidationError
from marketplace.core.site import safe_next_url
from marketplace.vendors import payout_changes, review, slots
from marketplace.vendors.documents import document_path
from marketplace.vendors.forms import ConfirmForm, ReasonForm
from marketplace.vendors.models import StoreStatus

bp = Blueprint("staff_review", __name__, url_prefix="/<lang:lang_code>/staff")


def _store_or_404(store_id: int):
    try:
        return review.get_store(store_id)
    except NotFound:
        abort(404)


def _product_or_404(product_id: int):
    try:
        return review.get_product(product_id)
    except NotFound:
        abort(404)


@bp.get("/vendors/")
@staff_required
def vendor_queue() -> str:
    """Applications by state; submitted ones oldest first."""
    try:
        status = StoreStatus(request.args.get("status", StoreStatus.SUBMITTED.value))
    except ValueError:
        status = StoreStatus.SUBMITTED
    return render_template(
        "vendors/staff/queue.html", stores=review.application_queue(status), status=status,
        counts=review.queue_counts(), statuses=list(StoreStatus),
        store_slots_left=slots.slots_left(slots.STORE_SLOTS),
    )


@bp.get("/vendors/<int:store_id>")
@staff_required
def vendor_detail(store_id: int) -> str:
    """One application with every detail staff need, the full payout account included."""
    store = _store_or_404(store_id)
    return render_detail(store, ReasonForm())


def render_detail(store, reason_form: ReasonForm) -> str:
    return render_template(
        "vendors/staff/detail.html", store=store, reason_form=reason_form, confirm_form=ConfirmForm(),
        payout_digest=payout_changes.payout_details_digest(store),
        store_slots_left=slots.slots_left(slots.STORE_SLOTS), products=review.store_products(store),
        product_slots_left=slots.slots_left(slots.PRODUCT_SLOTS),
    )


@bp.get("/vendors/<int:store_id>/documents/<int:document_id>")
@staff_required
def vendor_document(store_id: int, document_id: int) -> Response:
    """A verification document, as a download (never rendered inline on our origin)."""
    store = _store_or_404(store_id)
    document = next((d for d in store.documents if d.id == document_id), None)
    path = document_path(document.storage_key) if document else None
    if path is None:
        abort(404)
    response = send_file(path, mimetype=document.content_type, as_attachment=True, download_name=document.filename)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


DECISIONS = {
    "approve": (review.approve_store, False, _l("The store is approved and public.")),
    "request-changes": (review.request_changes, True, _l("The vendor was asked for changes.")),
    "reject": (review.reject_store, True, _l("The application is rejected.")),
    "suspend": (review.suspend_store, True, _l("The store is suspended.")),
    "reinstate": (review.reinstate_store, False, _l("The store is back on the site.")),
}


@bp.post("/vendors/<int:store_id>/<any(approve, 'request-changes', reject, suspend, reinstate):decision>")
@staff_required
def decide_vendor(store_id: int, decision: str) -> Response | str:
    """Approve, send back, reject, suspend or reinstate a store."""
    store = _store_or_404(store_id)
    action, needs_reason, done = DECISIONS[decision]
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            reason = (form.reason.data or "",) if needs_reason else ()
            result = action(store, current_user, *reason)
        except ValidationError as exc:
            form.reason.errors = [exc.message]
            return render_detail(store, form), 422
        except Conflict as exc:
            flash(exc.message, "error")
        else:
            flash(str(done), "success")
            if decision == "approve":
                flash(_("It took a campaign store slot: %(count)d left.", count=slots.slots_left(slots.STORE_SLOTS))
                      if result else _("No campaign store slot is left, so it does not count toward the campaign."),
                      "success" if result else "info")
    return redirect(url_for("staff_review.vendor_detail", store_id=store.id))


@bp.post("/vendors/<int:store_id>/campaign")
@staff_required
def vendor_campaign(store_id: int) -> Response:
    """Give the store a campaign store slot, or take it back."""
    store = _store_or_404(store_id)
    if ConfirmForm().validate_on_submit():
        try:
            slots.set_campaign_store(store, request.form.get("marked") == "1", current_user)
        except Conflict as exc:
            flash(exc.message, "error")
        else:
            flash(_("Campaign store slots updated."), "success")
    return redirect(url_for("staff_review.vendor_detail", store_id=store.id))


@bp.post("/vendors/<int:store_id>/confirm-payout")
@staff_required
def confirm_payout(store_id: int) -> Response:
    """Confirm an approved store's new payout details (those the page showed), so its settlements resume."""
    store = _store_or_404(store_id)
    if ConfirmForm().validate_on_submit():
        try:
            payout_changes.confirm_payout_details(current_user, store.id, request.form.get("seen", ""))
        except Conflict as exc:
            flash(exc.message, "error")
        else:
            flash(_("The new payout details are confirmed: the store can be paid again."), "success")
    return redirect(url_for("staff_review.vendor_detail", store_id=store.id))


@bp.get("/products/")
@staff_required
def product_queue() -> str:
    """Products waiting for their first publication, oldest first."""
    return render_template(
        "vendors/staff/products.html", products=review.product_queue(), reason_form=ReasonForm(),
        confirm_form=ConfirmForm(), product_slots_left=slots.slots_left(slots.PRODUCT_SLOTS),
    )


@bp.post("/products/<int:product_id>/<any(approve, reject):decision>")
@staff_required
def decide_product(product_id: int, decision: str) -> Response:
    """Publish a product for the first time, or send it back with a reason."""
    product = _product_or_404(product_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            if decision == "approve":
                review.approve_product(product, current_user)
            else:
                review.reject_product(product, current_user, form.reason.data or "")
        except (ValidationError, Conflict) as exc:
            flash(exc.message, "error")
        else:
            flash(_("The product is published.") if decision == "approve" else _("The product was sent back."),
                  "success")
    return redirect(url_for("staff_review.product_queue"))


@bp.post("/products/<int:product_id>/campaign")
@staff_required
def product_campaign(product_id: int) -> Response:
    """Give the product a campaign product slot, or take it back."""
    product = _product_or_404(product_id)
    if ConfirmForm().validate_on_submit():
        try:
            slots.set_campaign_product(product, request.form.get("marked") == "1", current_user)
        except Conflict as exc:
            flash(exc.message, "error")
        else:
            flash(_("Campaign product slots updated."), "success")
    return redirect(safe_next_url(request.form.get("back")) or url_for("staff_review.product_queue"))
