"""What templates read of reviews: a product's first reviews, a review's text for the reader, the review of an
order line, and a rating as a person reads it."""
from __future__ import annotations

from flask import Flask
from flask_babel import format_decimal

from marketplace.catalog.models import Product
from marketplace.catalog.services import LocalText, Page
from marketplace.core.i18n import reading_order
from marketplace.orders.models import Order
from marketplace.reviews import reading, services
from marketplace.reviews.models import Review

PRODUCT_PAGE_REVIEWS = 5


def first_reviews(product: Product) -> Page[Review]:
    """The newest shown reviews of a product, for its page."""
    return reading.product_reviews(product, 1, PRODUCT_PAGE_REVIEWS)


def review_text(review: Review) -> LocalText:
    """The review's text in the reader's language when it has one, else in its author's."""
    return reading.review_text(review, reading_order())


def order_reviews(order: Order) -> dict[int, Review]:
    """The reviews of an order's lines by line id."""
    return services.reviews_of_order(order)


def rating_figure(average: float | None) -> str:
    """A mean rating with one decimal in the page's language ("4.5", "4,5"); empty before any review."""
    return format_decimal(round(average, 1), format="0.0") if average is not None else ""


def init_app(app: Flask) -> None:
    """Offer the helpers to templates."""
    app.add_template_global(first_reviews, "first_reviews")
    app.add_template_global(review_text, "review_text")
    app.add_template_global(order_reviews, "order_reviews")
    app.add_template_global(reading.author_name, "review_author")
    app.add_template_global(rating_figure, "rating_figure")
