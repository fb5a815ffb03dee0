"""Shopper pages of reviews: a product's reviews, writing a review of a delivered purchase, one's own reviews."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from marketplace.catalog import services as catalog
from marketplace.core.errors import Conflict, PermissionDenied, ValidationError
from marketplace.core.forms import apply_errors
from marketplace.core.i18n import current_language
from marketplace.core.page_cache import cached_page
from marketplace.reviews import reading, services
from marketplace.reviews.forms import ReviewForm
from marketplace.reviews.photos import MAX_PHOTO_BYTES, MAX_PHOTOS

bp = Blueprint("reviews", __name__, url_prefix="/<lang:lang_code>")
LINE = "<int(max=2147483647):line_id>"


@bp.get("/products/<slug>/reviews")
@cached_page
def product_reviews(slug: str) -> str:
    """Every shown review of a product, newest first, a page at a time."""
    product = catalog.get_visible_product(slug)
    page = reading.product_reviews(product, request.args.get("page", 1, type=int))
    return render_template("reviews/product_reviews.html", product=product, page=page)


@bp.route(f"/orders/lines/{LINE}/review", methods=["GET", "POST"])
@login_required
def write(line_id: int) -> Response | tuple[str, int]:
    """The review form for one delivered line of the shopper's order; 404 for anyone else's line, and a clear
    message (409) for an undelivered line or one reviewed already."""
    try:
        line = services.reviewable_line(current_user, line_id)
    except PermissionDenied:
        abort(403)
    except Conflict as exc:
        return render_template("reviews/not_reviewable.html", message=exc.message), 409
    form = ReviewForm()
    if request.method == "GET":
        form.language.data = current_language().code
    status = 200
    if form.validate_on_submit():
        files = [f for f in form.photos.data or [] if getattr(f, "filename", "")]
        translations = {form.translation_language.data: form.translation.data or ""} \
            if form.translation_language.data else {}
        given = services.ReviewInput(rating=form.rating.data, language=form.language.data or "",
                                     body=form.body.data or "", translations=translations,
                                     photos=[f.read(MAX_PHOTO_BYTES + 1) for f in files[:MAX_PHOTOS + 1]])  # 4: refused
        try:
            services.create_review(current_user, line_id, given)
        except (ValidationError, Conflict) as exc:
            apply_errors(form, exc)
            status = 422 if isinstance(exc, ValidationError) else 409
        else:
            flash(_("Thank you: your review is on the product's page."), "success")
            return redirect(url_for("orders.order_detail", reference=line.order.reference, _anchor=f"line-{line.id}"))
    elif request.method == "POST":
        status = 422
    return render_template("reviews/write.html", form=form, line=line, max_photos=MAX_PHOTOS), status


@bp.get("/reviews/mine")
@login_required
def mine() -> str:
    """The signed-in shopper's reviews, with the reason staff gave for any they hid."""
    return render_template("reviews/mine.html", reviews=reading.reviews_by(current_user))
