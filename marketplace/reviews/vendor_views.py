"""The vendor's reviews page: its store's reviews, newest first, each answered once."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from marketplace.accounts.auth import role_required
from marketplace.accounts.models import Role
from marketplace.core.errors import Conflict, ValidationError
from marketplace.core.i18n import current_language
from marketplace.reviews import reading, services
from marketplace.reviews.forms import AnswerForm
from marketplace.vendors.services import store_of

bp = Blueprint("vendor_reviews", __name__, url_prefix="/<lang:lang_code>/vendor/reviews")
vendor_only = role_required(Role.VENDOR)
REVIEW = "<int(max=2147483647):review_id>"


@bp.get("/")
@vendor_only
def index() -> str:
    """The store's reviews with an answer form under each one not answered yet."""
    store = store_of(current_user)
    unanswered = request.args.get("unanswered") == "1"
    page = reading.store_reviews(store, unanswered, request.args.get("page", 1, type=int)) if store else None
    form = AnswerForm()
    form.language.data = current_language().code
    return render_template("reviews/vendor_list.html", store=store, page=page, form=form, unanswered=unanswered)


@bp.post(f"/{REVIEW}/answer")
@vendor_only
def answer(review_id: int) -> Response:
    """Answer one review of the store's products (once); 404 for another store's review."""
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            services.answer_review(current_user, review_id, form.answer.data or "", form.language.data or "")
        except (ValidationError, Conflict) as exc:
            flash(exc.message, "error")
        else:
            flash(_("Your answer is published under the review."), "success")
    else:
        flash(next(iter(form.errors.values()), [_("Please try again.")])[0], "error")
    return redirect(url_for(".index", _anchor=f"review-{review_id}"))
