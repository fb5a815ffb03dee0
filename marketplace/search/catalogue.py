"""Searching the catalogue for a shopper: matching, typo correction, fallback, cards and suggestions.

Matching is AND first; when nothing matches, misspelt words are corrected against the index and the
glossary ("did you mean"), and then any-word matching is tried. Results are cached per index version,
so a change to the index invalidates them. Prices and stock come from the database at render time.
"""
from __future__ import annotations

import bisect
import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from flask import current_app
from markupsafe import Markup

from marketplace.accounts.models import User
from marketplace.catalog.listing import load_listed
from marketplace.catalog.services import ProductCard, localized, product_cards, visible_conditions
from marketplace.core.errors import NotFound
from marketplace.search import get_search_index
from marketplace.search.analyzers import fold, is_chinese, tokenize
from marketplace.search.glossary import LANGUAGES, concept_token, get_glossary
from marketplace.search.highlight import snippet
from marketplace.search.port import FacetValue, MatchMode, SearchFilters, SearchQuery, SortOrder
from marketplace.search.query import ParsedQuery, parse_query, shorten

CACHE_SIZE = 512
MAX_PAGE = 100  # deeper pages are refused: bounded work, and nobody reads page 101


@dataclass(frozen=True)
class SearchRequest:
    text: str = ""
    language: str = "en"
    filters: SearchFilters = field(default_factory=SearchFilters)
    sort: SortOrder = SortOrder.RELEVANCE
    page: int = 1
    per_page: int = 24


@dataclass(frozen=True)
class SearchOutcome:
    """Ids in order with the total and facets, and how the query was understood."""

    request: SearchRequest
    parsed: ParsedQuery
    ids: list[int]
    total: int
    facets: dict[str, list[FacetValue]]
    suggestion: str | None = None  # "did you mean"
    corrected: bool = False  # the results are for `suggestion`
    partial: bool = False  # no product has every word; these have some

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.request.per_page))


@dataclass(frozen=True)
class SearchPage:
    outcome: SearchOutcome
    cards: list[ProductCard]
    snippets: dict[int, Markup]


class _Cache:
    def __init__(self) -> None:
        self.entries: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                return self.entries[key]
        return None

    def put(self, key, value) -> None:
        with self.lock:
            self.entries[key] = value
            while len(self.entries) > CACHE_SIZE:
                self.entries.popitem(last=False)


def _cache() -> _Cache:
    return current_app.extensions.setdefault("search_cache", _Cache())


def search_ids(request: SearchRequest) -> SearchOutcome:
    """The matching product ids for `request`; NotFound for a page past the last (or beyond MAX_PAGE)."""
    if request.page > MAX_PAGE:
        raise NotFound("page out of range")
    index = get_search_index()
    key = (index.version(), request)
    outcome = _cache().get(key)
    if outcome is None:
        outcome = _search(request)
        _cache().put(key, outcome)
    if request.page > outcome.pages:
        raise NotFound("page out of range")
    return outcome


def _search(request: SearchRequest) -> SearchOutcome:
    index, glossary = get_search_index(), get_glossary()
    parsed = parse_query(request.text, request.language, glossary)
    query = SearchQuery(parsed.units, request.language, request.filters, request.sort, MatchMode.ALL,
                        request.page, request.per_page)
    result = index.search(query)
    suggestion, corrected, partial = None, False, False
    if parsed.units and result.total == 0:
        corrections = index.correct(parsed.words, glossary.words)
        if corrections:
            suggestion = corrected_text(parsed.text, request.language, corrections)
            better = parse_query(suggestion, request.language, glossary)
            retry = index.search(replace(query, units=better.units))
            if retry.total:
                parsed, result, corrected = better, retry, True
        if result.total == 0 and len(parsed.units) > 1:
            result, partial = index.search(replace(query, mode=MatchMode.ANY)), True
    return SearchOutcome(request, parsed, [h.id for h in result.hits], result.total, dict(result.facets),
                         suggestion, corrected, partial and result.total > 0)


def corrected_text(text: str, language: str, corrections: dict[str, str]) -> str:
    """`text` with each misspelt word replaced by its correction."""
    pieces, cursor = [], 0
    for token in tokenize(text, language):
        if token.fold in corrections:
            pieces += [text[cursor:token.start], corrections[token.fold]]
            cursor = token.end
    return "".join(pieces) + text[cursor:]


def search_products(request: SearchRequest, shopper: User | None, display_currency: str | None,
                    reading: Sequence[str] = ()) -> SearchPage:
    """A page of results as product cards (priced and stocked from the database now) with snippets, each
    text in the first of the `reading` languages (default: the request's language) that has one."""
    reading = tuple(reading) or (request.language,)
    outcome = search_ids(request)
    # Rows, not objects; the visibility test again, so a stale index never shows a hidden product.
    ordered = load_listed(outcome.ids, visible_conditions(), descriptions=True)
    cards = product_cards(ordered, reading, shopper, display_currency)
    glossary = get_glossary()
    snippets = {}
    for product in ordered:
        text = localized(product.texts, reading, product.original_language, "description")
        snippets[product.id] = snippet(text.text, text.language, outcome.parsed.terms, glossary)
    return SearchPage(outcome, cards, snippets)


# --- search-box suggestions ---------------------------------------------------------------------

_terms_lock = threading.Lock()
_terms_by_language: dict[str, tuple[list[str], list[tuple[str, str]]]] = {}


def _glossary_terms(language: str) -> tuple[list[str], list[tuple[str, str]]]:
    """Sorted folded keys (every word start of every term) and, beside them, (term, concept id)."""
    if language not in _terms_by_language:
        with _terms_lock:
            rows = []
            for concept_id, term in get_glossary().terms(language):
                if is_chinese(term):
                    rows.append((fold(term), (term, concept_id)))
                    continue
                words = term.split()
                for position in range(len(words)):
                    rows.append((fold(" ".join(words[position:])), (term, concept_id)))
            rows.sort(key=lambda row: row[0])
            _terms_by_language[language] = ([r[0] for r in rows], [r[1] for r in rows])
    return _terms_by_language[language]


def suggest(prefix: str, language: str, limit: int = 8) -> list[str]:
    """Up to `limit` completions of what the shopper is typing: glossary terms in their language that
    some product carries, then words from the products' own texts."""
    key_text = fold(shorten(prefix or "")).strip()
    if not key_text or language not in LANGUAGES:
        return []
    limit = max(1, min(limit, 20))
    index = get_search_index()
    cache_key = ("suggest", index.version(), key_text, language, limit)
    cached = _cache().get(cache_key)
    if cached is not None:
        return cached
    keys, terms = _glossary_terms(language)
    found: dict[str, str] = {}
    position = bisect.bisect_left(keys, key_text)
    while position < len(keys) and keys[position].startswith(key_text) and len(found) < 200:
        term, concept_id = terms[position]
        found.setdefault(term, concept_id)
        position += 1
    counts = index.document_counts([concept_token(c) for c in set(found.values())]) if found else {}
    ranked = sorted((t for t, c in found.items() if counts.get(concept_token(c))),
                    key=lambda t: (-counts[concept_token(found[t])], len(t), t))
    suggestions = ranked[:limit]
    last_word = key_text.split()[-1] if key_text.split() else ""
    if len(suggestions) < limit and last_word and not is_chinese(last_word):
        head = key_text[: len(key_text) - len(last_word)]
        seen = {fold(s) for s in suggestions}
        for word, _count in index.suggest(last_word, limit * 2):
            candidate = head + word
            if candidate not in seen and len(suggestions) < limit:
                suggestions.append(candidate)
                seen.add(candidate)
    _cache().put(cache_key, suggestions)
    return suggestions
