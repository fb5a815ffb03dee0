"""Reviews in the API: `GET /api/v1/products/<slug>/reviews` (a product's shown reviews, newest first, with its
rating) and `POST /api/v1/reviews` (a shopper reviews one delivered line of their order).

Reading is public. Writing needs a shopper's bearer token, like the shop API (CSRF-exempt for that reason); the
rules are the web form's, in the same service: only a delivered line of one's own order, once. Photos are added
through the web form, whose upload goes through the media pipeline; the API takes the rating and texts.
"""
from __future__ import annotations

from flask import Blueprint, Flask, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from marketplace.api.edge import register_json_errors, use_language
from marketplace.api.schemas import ERROR, INSTANT, INTEGER, SECURED, STRING, array, json_response, nullable, obj
from marketplace.api.shop import page_number, shopper_user, text_field, whole_number
from marketplace.api.shop_json import QUERY, _json_body, iso
from marketplace.api.tokens import json_body
from marketplace.catalog.services import get_visible_product
from marketplace.core.errors import ValidationError
from marketplace.core.i18n import LANGUAGES, reading_order
from marketplace.media import get_image_store
from marketplace.media.pipeline import rendition_name
from marketplace.reviews import reading, services
from marketplace.reviews.models import Review

bp = Blueprint("api_reviews", __name__, url_prefix="/api/v1")
register_json_errors(bp)
PER_PAGE = 20


def rating_json(average: float | None, count: int) -> dict:
    """A product's or store's rating: mean stars (one decimal, null before any review) and the count."""
    return {"average": round(average, 1) if average is not None else None, "count": count}


def review_json(review: Review, language: str) -> dict:
    """A review as clients read it: its text in `language` when translated, else in the author's language."""
    text = reading.review_text(review, reading_order(language))
    store = get_image_store()
    return {
        "id": review.id, "rating": review.rating, "author": reading.author_name(review),
        "text": text.text, "text_language": text.language, "original_language": review.language,
        "verified_purchase": True, "created_at": iso(review.created_at),
        "photos": [store.url(rendition_name(p.key, p.fallback_width, "jpg")) for p in review.photos],
        "answer": {"text": review.answer, "language": review.answer_language, "answered_at": iso(review.answered_at)}
        if review.answered_at else None,
    }


@bp.get("/products/<slug>/reviews")
def product_reviews(slug: str) -> ResponseReturnValue:
    """A product's shown reviews, newest first, a page at a time; 404 for an unknown or hidden product."""
    language = use_language(request.args.get("lang"))
    page_wanted = page_number()
    product = get_visible_product(slug[:140])
    page = reading.product_reviews(product, page_wanted, PER_PAGE)
    return jsonify(product={"id": product.id, "slug": product.slug},
                   rating=rating_json(product.rating_average, product.rating_count),
                   items=[review_json(r, language) for r in page.items], total=page.total, page=page.number,
                   pages=page.pages)


def translations_from(value: object) -> dict[str, str]:
    """The body's `translations`, {language: text}; ValidationError for any other shape."""
    if value is None:
        return {}
    message = _("Send the translations as an object of language codes and texts.")
    if not isinstance(value, dict) or not all(isinstance(k, str) and k in LANGUAGES and isinstance(v, str)
                                              for k, v in value.items()):
        raise ValidationError(message, {"translations": message})
    return value


@bp.post("/reviews")
def create_review() -> ResponseReturnValue:
    """Review one delivered line of the shopper's order (201); 404 for another shopper's line, 409 for a line not
    delivered or reviewed already, 422 for a bad rating, language or text."""
    user = shopper_user()
    body = json_body()
    language = use_language(body.get("lang", request.args.get("lang")))
    line_id = whole_number(body, "line_id")
    given = services.ReviewInput(rating=whole_number(body, "rating"), language=text_field(body, "language"),
                                 body=text_field(body, "text"),
                                 translations=translations_from(body.get("translations")))
    review = services.create_review(user, line_id, given)
    return jsonify(review_json(review, language)), 201


RATING = obj({"average": nullable({"type": "number"}), "count": INTEGER})
REVIEW = obj({
    "id": INTEGER, "rating": {"type": "integer", "minimum": 1, "maximum": 5}, "author": STRING,
    "text": STRING, "text_language": STRING, "original_language": STRING, "verified_purchase": {"type": "boolean"},
    "created_at": INSTANT, "photos": array(STRING),
    "answer": nullable(obj({"text": STRING, "language": STRING, "answered_at": INSTANT})),
})
OPENAPI_PATHS = {
    "/products/{slug}/reviews": {"get": {
        "summary": "A product's reviews, newest first, in the reader's language when translated",
        "parameters": [{"name": "slug", "in": "path", "required": True, "schema": STRING}, QUERY["lang"],
                       QUERY["page"]],
        "responses": {"200": json_response("Reviews", obj({
            "product": obj({"id": INTEGER, "slug": STRING}), "rating": RATING, "items": array(REVIEW),
            "total": INTEGER, "page": INTEGER, "pages": INTEGER})), "404": ERROR, "422": ERROR}}},
    "/reviews": {"post": {
        "summary": "Review one delivered line of the shopper's order (once)", "security": SECURED,
        "requestBody": _json_body({
            "line_id": INTEGER, "rating": {"type": "integer", "minimum": 1, "maximum": 5},
            "language": {"type": "string", "enum": list(LANGUAGES)},
            "text": {"type": "string", "maxLength": services.MAX_TEXT},
            "translations": {"type": "object", "additionalProperties": STRING,
                             "description": "The text in other languages, by language code"},
            "lang": {"type": "string", "enum": list(LANGUAGES)}}, ["line_id", "rating", "language"]),
        "responses": {"201": json_response("The review", REVIEW), "400": ERROR, "401": ERROR, "403": ERROR,
                      "404": ERROR, "409": ERROR, "413": ERROR, "422": ERROR}}},
}


def init_app(app: Flask) -> None:
    """Register the review routes, CSRF-exempt (bearer-token only for writing), and describe them."""
    from marketplace.api.openapi import add_paths
    from marketplace.extensions import csrf

    app.register_blueprint(bp)
    csrf.exempt(bp)
    add_paths(app, OPENAPI_PATHS)
