"""Staff moderation of reviews: every review, newest first; hide one with a reason its author sees, or show it
again."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from marketplace.accounts.auth import staff_required
from marketplace.core.errors import Conflict, ValidationError
from marketplace.orders.backoffice.forms import ActionForm
from marketplace.reviews import reading, services
from marketplace.reviews.forms import HideForm
from marketplace.reviews.models import ReviewState

bp = Blueprint("staff_reviews", __name__, url_prefix="/<lang:lang_code>/staff/reviews")
REVIEW = "<int(max=2147483647):review_id>"


@bp.get("/")
@staff_required
def index() -> str:
    """Every review (or those of one state), newest first, with its hide or show button."""
    chosen = request.args.get("state", "")
    state = ReviewState(chosen) if chosen in set(ReviewState) else None
    page = reading.moderation_list(state, request.args.get("page", 1, type=int))
    return render_template("reviews/staff_list.html", page=page, state=state, hide_form=HideForm(),
                           action_form=ActionForm())


@bp.post(f"/{REVIEW}/hide")
@staff_required
def hide(review_id: int) -> Response:
    """Hide a review with the reason its author will read."""
    form = HideForm()
    if form.validate_on_submit():
        try:
            services.hide_review(current_user, review_id, form.reason.data or "")
        except (ValidationError, Conflict) as exc:
            flash(exc.message, "error")
        else:
            flash(_("The review is hidden; its author sees your reason."), "success")
    else:
        flash(next(iter(form.errors.values()), [_("Please try again.")])[0], "error")
    return redirect(url_for(".index", _anchor=f"review-{review_id}"))


@bp.post(f"/{REVIEW}/show")
@staff_required
def show(review_id: int) -> Response:
    """Show a hidden review again."""
    if ActionForm().validate_on_submit():
        try:
            services.show_review(current_user, review_id)
        except Conflict as exc:
            flash(exc.message, "error")
        else:
            flash(_("The review is shown again."), "success")
    return redirect(url_for(".index", _anchor=f"review-{review_id}"))
