"""Reading reviews: a product's shown reviews a page at a time, a store's for its vendor, the moderation list,
and each review's text in the reader's language (a translation when one exists, else the author's own)."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import User
from marketplace.catalog.models import Product
from marketplace.catalog.services import LocalText, Page
from marketplace.core.errors import NotFound
from marketplace.extensions import db
from marketplace.reviews.models import Review, ReviewState
from marketplace.vendors.models import Store

PER_PAGE = 10
BACK_OFFICE_PER_PAGE = 30


def review_text(review: Review, reading: Sequence[str]) -> LocalText:
    """The review's text in the first of the reader's languages it has, else in the author's own language."""
    texts = {t.language: t.body for t in review.texts}
    for code in reading:
        if code in texts:
            return LocalText(texts[code], code)
    return LocalText(texts.get(review.language, ""), review.language)


def _page(query, page: int, per_page: int) -> Page[Review]:
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    if page < 1 or page > max(1, -(-total // per_page)):
        raise NotFound("page out of range")
    items = list(db.session.scalars(query.options(selectinload(Review.author)).limit(per_page)
                                    .offset((page - 1) * per_page)))
    return Page(items, page, per_page, total)


def product_reviews(product: Product, page: int = 1, per_page: int = PER_PAGE) -> Page[Review]:
    """The product's shown reviews, newest first; NotFound for a page past the end."""
    query = (select(Review).where(Review.product_id == product.id, Review.state == ReviewState.SHOWN)
             .order_by(Review.id.desc()))
    return _page(query, page, per_page)


def store_reviews(store: Store, unanswered: bool = False, page: int = 1) -> Page[Review]:
    """The store's reviews (hidden ones too, marked), newest first, for its vendor to answer."""
    query = select(Review).where(Review.store_id == store.id)
    if unanswered:
        query = query.where(Review.answered_at.is_(None), Review.state == ReviewState.SHOWN)
    return _page(query.options(selectinload(Review.product)).order_by(Review.id.desc()), page,
                 BACK_OFFICE_PER_PAGE)


def moderation_list(state: ReviewState | None = None, page: int = 1) -> Page[Review]:
    """Every review for staff, newest first, optionally of one state."""
    query = select(Review)
    if state is not None:
        query = query.where(Review.state == state)
    return _page(query.options(selectinload(Review.product), selectinload(Review.store)).order_by(Review.id.desc()),
                 page, BACK_OFFICE_PER_PAGE)


def reviews_by(user: User) -> list[Review]:
    """A shopper's own reviews, newest first (hidden ones with their reason)."""
    return list(db.session.scalars(select(Review).where(Review.author_id == user.id).order_by(Review.id.desc())))


def author_name(review: Review) -> str:
    """How a review's author is shown to others: their display name's first word, else "Shopper #id"."""
    name = (review.author.display_name or "").strip().split()
    return name[0][:40] if name else f"#{review.author_id}"
