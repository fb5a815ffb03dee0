"""Reading a search request from query-string arguments, for the search page and the API alike."""
from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from marketplace.core.errors import ValidationError
from marketplace.search.catalogue import MAX_PAGE, SearchRequest
from marketplace.search.documents import PRICE_BANDS
from marketplace.search.port import SearchFilters, SortOrder

MAX_PRICE_USD = Decimal(10_000_000)
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
BANDS = frozenset(name for name, _low, _high in PRICE_BANDS)


def _usd_cents(value: str) -> int:
    amount = Decimal(value.strip().replace(",", "."))
    if not amount.is_finite() or amount < 0 or amount > MAX_PRICE_USD:
        raise InvalidOperation
    return int(amount * 100)


def search_request(args: Mapping[str, str], language: str, per_page: int) -> SearchRequest:
    """The search the arguments ask for; ValidationError naming every bad argument (nothing is guessed)."""
    errors: dict[str, str] = {}
    filters: dict[str, object] = {}
    country = (args.get("country") or "").strip()
    if country:
        if _COUNTRY.match(country):
            filters["country"] = country.upper()
        else:
            errors["country"] = str(_l("Choose a country from the list."))
    category = (args.get("category") or "").strip()
    if category:
        if _SLUG.match(category):
            filters["category"] = category
        else:
            errors["category"] = str(_l("Choose a category from the list."))
    for name in ("min_price", "max_price"):
        value = (args.get(name) or "").strip()
        if value:
            try:
                filters[name] = _usd_cents(value)
            except (InvalidOperation, ValueError):
                errors[name] = str(_l("Enter a price in US dollars, such as 25 or 12.50."))
    band = (args.get("band") or "").strip()
    if band:
        if band in BANDS:
            filters["price_band"] = band
        else:
            errors["band"] = str(_l("Choose a price range from the list."))
    festival = (args.get("festival") or "").strip()
    if festival:
        if festival in ("0", "1"):
            filters["in_festival"] = festival == "1"
        else:
            errors["festival"] = str(_l("Choose yes or no."))
    rating = (args.get("rating") or "").strip()
    if rating:
        if rating in ("1", "2", "3", "4", "5"):
            filters["min_rating"] = int(rating)
        else:
            errors["rating"] = str(_l("Choose a rating from 1 to 5 stars."))
    sort_value = (args.get("sort") or SortOrder.RELEVANCE.value).strip()
    try:
        sort = SortOrder(sort_value)
    except ValueError:
        errors["sort"] = str(_l("Choose an order from the list."))
        sort = SortOrder.RELEVANCE
    page_value = (args.get("page") or "1").strip()
    page = int(page_value) if page_value.isdigit() and len(page_value) < 6 else 0
    if not 1 <= page <= MAX_PAGE:
        errors["page"] = str(_l("The page must be a number from 1 to %(last)d.", last=MAX_PAGE))
        page = 1
    if errors:
        raise ValidationError(str(_l("Some search options are not valid.")), errors)
    return SearchRequest(
        text=args.get("q") or "", language=language, filters=SearchFilters(**filters), sort=sort,
        page=page, per_page=per_page,
    )
