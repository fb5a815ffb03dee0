"""Verified reviews: writing one for a delivered order line, the vendor's answer, staff moderation, and the
rating aggregates kept on products and stores.

Each use case is one transaction. The aggregates (count and sum of stars of shown reviews) are changed by
conditional UPDATEs in that same transaction, so concurrent reviews of one product never lose a count, and
listing pages read them from the product row. After the commit the product's search document is refreshed
(its rating facet and sort values) through the search writer's one path.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.models import Role, User
from marketplace.catalog.models import Product
from marketplace.core import clock
from marketplace.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.core.forms import has_control_characters
from marketplace.core.i18n import LANGUAGES
from marketplace.extensions import db
from marketplace.orders.models import FulfilmentState, Order, OrderLine
from marketplace.reviews import photos as review_photos
from marketplace.reviews.models import Review, ReviewState, ReviewText
from marketplace.search.services import reindex_products
from marketplace.vendors.models import Store

MAX_TEXT = 4000  # characters of one review text (a long review is a page; more is not a review)
MAX_ANSWER = 2000
MAX_REASON = 500
MAX_ID = 2**31 - 1
STAFF_ROLES = (Role.STAFF, Role.ADMIN)


@dataclass(frozen=True)
class ReviewInput:
    """What a shopper sends: stars, the language written in, the text, optional translations and photos."""

    rating: object
    language: str
    body: str
    translations: Mapping[str, str]
    photos: Sequence[bytes] = ()


def _refused(field: str, message: str) -> ValidationError:
    return ValidationError(message, {field: message})


def _clean_text(value: str, field: str, limit: int, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise _refused(field, _("Write a few words."))
    if len(text) > limit:
        raise _refused(field, _("Use at most %(count)d characters.", count=limit))
    if has_control_characters(text, multiline=True):
        raise _refused(field, _("Remove the control characters (line breaks or invisible characters) from this "
                                "field."))
    return text


def _language(code: str, field: str) -> str:
    if code not in LANGUAGES:
        raise _refused(field, _("Choose a language from the list."))
    return code


def _rating(value: object) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise _refused("rating", _("Choose from 1 to 5 stars."))
    return value


def _own_line(user: User, line_id: int) -> OrderLine:
    """The order line `line_id` of one of `user`'s orders; NotFound for anyone else's (no hint it exists)."""
    line = db.session.get(OrderLine, line_id) if 0 < line_id <= MAX_ID else None
    if line is None or line.order.shopper_id != user.id:
        raise NotFound(_("There is no such order line in your account."))
    return line


def reviewable_line(user: User, line_id: int) -> OrderLine:
    """The shopper's order line, when it may be reviewed now: NotFound for another shopper's line, Conflict
    when its part of the order is not delivered, was cancelled, or the line has its review already."""
    if user.role != Role.SHOPPER:
        raise PermissionDenied(_("Only shoppers review what they bought."))
    line = _own_line(user, line_id)
    if line.vendor_order.status != FulfilmentState.DELIVERED or line.cancelled_at is not None:
        raise Conflict(_("You can review a product once its order has been delivered."))
    if review_of_line(line.id) is not None:
        raise Conflict(_("You have already reviewed this purchase."))
    return line


def review_of_line(line_id: int) -> Review | None:
    """The review written for an order line, if any."""
    return db.session.scalars(select(Review).where(Review.order_line_id == line_id)).first()


def reviews_of_order(order: Order) -> dict[int, Review]:
    """The reviews of an order's lines, by line id (one query for the order page)."""
    line_ids = [line.id for line in order.lines]
    if not line_ids:
        return {}
    return {r.order_line_id: r for r in db.session.scalars(select(Review).where(Review.order_line_id.in_(line_ids)))}


def _change_aggregates(product_id: int, store_id: int, count: int, stars: int) -> None:
    """Add `count` reviews worth `stars` to the product's and the store's figures (negative to take away)."""
    for model, row_id in ((Product, product_id), (Store, store_id)):
        db.session.execute(update(model).where(model.id == row_id).values(
            rating_count=model.rating_count + count, rating_total=model.rating_total + stars))


def create_review(user: User, line_id: int, given: ReviewInput, refresh_index: bool = True) -> Review:
    """Record the shopper's review of a delivered order line, with its photos, and add it to the product's and
    store's ratings; ValidationError for bad input (nothing saved), NotFound for someone else's line, Conflict
    for an undelivered line or a second review of the same line.

    `refresh_index=False` leaves the product's search document to the caller (the demo seed, whose products
    are indexed afterwards by `flask search reindex`, all at once).
    """
    line = reviewable_line(user, line_id)
    rating = _rating(given.rating)
    language = _language(given.language, "language")
    body = _clean_text(given.body, "body", MAX_TEXT)
    texts = {language: body}
    for code, text in given.translations.items():
        translated = _clean_text(text, "translation", MAX_TEXT)
        if not translated:
            continue
        if _language(code, "translation_language") == language:
            raise _refused("translation_language", _("Choose another language than the review's own."))
        if not body:
            raise _refused("body", _("Write the review before its translation."))
        texts[code] = translated
    if len(given.photos) > review_photos.MAX_PHOTOS:
        raise _refused("photos", _("Add at most %(count)d photos.", count=review_photos.MAX_PHOTOS))
    processed = review_photos.process_all(given.photos)  # every photo checked before anything is written
    review = Review(product_id=line.product_id, store_id=line.vendor_order.store_id, order_line_id=line.id,
                    author_id=user.id, rating=rating, language=language, state=ReviewState.SHOWN)
    review.texts = [ReviewText(language=code, body=text) for code, text in texts.items()]
    review.photos = review_photos.attach(processed)
    db.session.add(review)
    try:
        db.session.flush()
    except IntegrityError as exc:  # the same line reviewed at the same moment elsewhere
        db.session.rollback()
        raise Conflict(_("You have already reviewed this purchase.")) from exc
    _change_aggregates(review.product_id, review.store_id, 1, rating)
    db.session.commit()
    if refresh_index:
        reindex_products([review.product_id])
    return review


def _review(review_id: int) -> Review:
    review = db.session.get(Review, review_id) if 0 < review_id <= MAX_ID else None
    if review is None:
        raise NotFound(_("There is no such review."))
    return review


def answer_review(user: User, review_id: int, body: str, language: str) -> Review:
    """Record the vendor's one answer to a review of its store's product; NotFound for another store's review,
    Conflict when it was answered already, ValidationError for an empty or too long answer."""
    review = _review(review_id)
    if user.role != Role.VENDOR or review.store.owner_id != user.id:
        raise NotFound(_("There is no such review."))
    text = _clean_text(body, "answer", MAX_ANSWER, required=True)
    code = _language(language, "language")
    answered = db.session.execute(
        update(Review).where(Review.id == review.id, Review.answered_at.is_(None))
        .values(answer=text, answer_language=code, answered_by_id=user.id, answered_at=clock.now())
    ).rowcount
    if not answered:
        db.session.rollback()
        raise Conflict(_("This review has its answer already."))
    db.session.commit()
    db.session.refresh(review)
    return review


def _require_staff(user: User) -> None:
    if user.role not in STAFF_ROLES:
        raise PermissionDenied(_("Only campaign staff moderate reviews."))


def hide_review(user: User, review_id: int, reason: str) -> Review:
    """Hide a review from everyone but its author, who sees `reason`, and take it out of the ratings;
    PermissionDenied for anyone but staff, Conflict when it is hidden already."""
    _require_staff(user)
    review = _review(review_id)
    text = _clean_text(reason, "reason", MAX_REASON, required=True)
    changed = db.session.execute(
        update(Review).where(Review.id == review.id, Review.state == ReviewState.SHOWN)
        .values(state=ReviewState.HIDDEN, hidden_reason=text, hidden_by_id=user.id, hidden_at=clock.now())
    ).rowcount
    if not changed:
        db.session.rollback()
        raise Conflict(_("This review is hidden already."))
    _change_aggregates(review.product_id, review.store_id, -1, -review.rating)
    db.session.commit()
    db.session.refresh(review)
    reindex_products([review.product_id])
    return review


def show_review(user: User, review_id: int) -> Review:
    """Show a hidden review again and count it in the ratings; PermissionDenied for anyone but staff, Conflict
    when it is shown already."""
    _require_staff(user)
    review = _review(review_id)
    changed = db.session.execute(
        update(Review).where(Review.id == review.id, Review.state == ReviewState.HIDDEN)
        .values(state=ReviewState.SHOWN, hidden_reason="", hidden_by_id=None, hidden_at=None)
    ).rowcount
    if not changed:
        db.session.rollback()
        raise Conflict(_("This review is shown already."))
    _change_aggregates(review.product_id, review.store_id, 1, review.rating)
    db.session.commit()
    db.session.refresh(review)
    reindex_products([review.product_id])
    return review
