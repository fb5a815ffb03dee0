"""GET /api/v1/search and /api/v1/search/suggest."""
from __future__ import annotations

from flask import current_app, jsonify, request

from marketplace.api.edge import bp
from marketplace.api.money import money_json
from marketplace.catalog.services import ProductCard, country_name
from marketplace.core.errors import ValidationError
from marketplace.core.i18n import LANGUAGES, reading_order
from marketplace.media import get_image_store
from marketplace.media.pipeline import rendition_name
from marketplace.search.catalogue import SearchPage, search_products, suggest
from marketplace.search.forms import search_request

MAX_PER_PAGE = 50


def requested_language() -> str:
    language = (request.args.get("lang") or "en").strip()
    if language not in LANGUAGES:
        raise ValidationError("Unknown language.", {"lang": f"One of: {', '.join(LANGUAGES)}."})
    return language


def per_page() -> int:
    value = (request.args.get("per_page") or str(current_app.config["PAGE_SIZE"])).strip()
    if not value.isdigit() or not 1 <= int(value) <= MAX_PER_PAGE:
        raise ValidationError("Some search options are not valid.", {"per_page": f"From 1 to {MAX_PER_PAGE}."})
    return int(value)


def card_json(card: ProductCard, language: str) -> dict:
    image = None
    if card.cover is not None:
        image = get_image_store().url(rendition_name(card.cover.key, card.cover.fallback_width, "jpg"))
    return {
        "id": card.id,
        "slug": card.slug,
        "name": card.name.text,
        "name_language": card.name.language,
        "store": {"name": card.store_name, "slug": card.store_slug},
        "country": {"code": card.country_code, "name": country_name(card.country_code, language)},
        "price": money_json(card.quote.price, language),
        "regular_price": money_json(card.quote.regular, language),
        "discounted": card.quote.discounted,
        "in_stock": card.stock > 0,
        "image": image,
        "rating": {"average": round(card.rating_average, 1) if card.rating_average is not None else None,
                   "count": card.rating_count},
    }


def page_json(found: SearchPage, language: str) -> dict:
    outcome = found.outcome
    return {
        "query": outcome.parsed.text,
        "items": [card_json(card, language) | {"snippet": str(found.snippets.get(card.id, ""))}
                  for card in found.cards],
        "total": outcome.total,
        "page": outcome.request.page,
        "pages": outcome.pages,
        "facets": {name: [{"value": v.value, "count": v.count} for v in values]
                   for name, values in outcome.facets.items()},
        "suggestion": outcome.suggestion,
        "corrected": outcome.corrected,
        "partial": outcome.partial,
    }


@bp.get("/search")
def search_endpoint():
    """Products matching `q` in any language, with facets; prices and stock as of now."""
    language = requested_language()
    wanted = search_request(request.args, language, per_page())
    return jsonify(page_json(search_products(wanted, None, None, reading_order(language)), language))


@bp.get("/search/suggest")
def suggest_endpoint():
    """Completions for a search box, in the requested language."""
    language = requested_language()
    limit = request.args.get("limit", "8")
    if not limit.isdigit() or not 1 <= int(limit) <= 20:
        raise ValidationError("Some search options are not valid.", {"limit": "From 1 to 20."})
    return jsonify(query=request.args.get("q", "")[:200], suggestions=suggest(request.args.get("q", ""), language,
                                                                              int(limit)))
