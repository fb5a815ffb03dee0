"""The search page: a GET form with filters (works without JavaScript) and its results."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request

from marketplace.catalog.currency import shopper_display_currency
from marketplace.catalog.services import all_categories
from marketplace.catalog.views import shopper
from marketplace.core.errors import NotFound, ValidationError
from marketplace.core.i18n import current_language, reading_order
from marketplace.core.page_cache import cached_page
from marketplace.search import get_search_index
from marketplace.search.catalogue import SearchRequest, search_products
from marketplace.search.documents import PRICE_BANDS
from marketplace.search.forms import search_request
from marketplace.search.port import SortOrder

bp = Blueprint("search", __name__, url_prefix="/<lang:lang_code>")


@bp.get("/search")
@cached_page(vary=lambda: get_search_index().version())  # a change of the index is a change of the page
def results():
    """Products matching the shopper's words in any language, with facets, filters and sorting."""
    language = current_language().code
    errors: dict[str, str] = {}
    try:
        wanted = search_request(request.args, language, current_app.config["PAGE_SIZE"])
    except ValidationError as exc:
        errors = exc.fields
        wanted = SearchRequest(text=request.args.get("q") or "", language=language,
                               per_page=current_app.config["PAGE_SIZE"])
    try:
        found = search_products(wanted, shopper(), shopper_display_currency(), reading_order(language))
    except NotFound:
        abort(404)
    return render_template(
        "search/results.html", found=found, wanted=wanted, errors=errors, categories=all_categories(),
        price_bands=[name for name, _low, _high in PRICE_BANDS], sorts=list(SortOrder),
    )
