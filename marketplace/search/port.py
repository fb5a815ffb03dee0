"""The SearchIndex interface, and the documents, queries and results that cross it.

Text analysis (folding, stemming, segmentation, glossary concepts) happens before this boundary, so
a backend stores and matches plain term strings: Whoosh today; a PostgreSQL backend can keep the same
terms in a `tsvector` (the 'simple' configuration), facets as columns and spelling with pg_trgm.
Behaviour tests in tests/search/test_index_contract.py run against any implementation.
"""
from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

FACETS = ("country", "category", "price_band", "in_festival", "rating")
# The one value of the "rating" facet: products whose mean rating is at least this many stars.
RATING_FACET_STARS = 4


class IndexBusy(Exception):  # noqa: N818 - a state, like Whoosh's LockError it stands for
    """Another writer kept the index locked through every attempt; the change was not applied."""


class SortOrder(enum.StrEnum):
    RELEVANCE = "relevance"
    PRICE_LOW = "price"
    PRICE_HIGH = "-price"
    NEWEST = "newest"
    RATING = "rating"  # best mean rating first, then most reviews; products without reviews last


class MatchMode(enum.StrEnum):
    ALL = "all"  # every query unit must match (tried first)
    ANY = "any"  # at least one unit; more matched units rank higher (the fallback)


@dataclass(frozen=True)
class SearchDocument:
    """One product as the index sees it: analysed terms plus the fields it filters, sorts and counts on."""

    id: int
    title: tuple[str, ...]  # terms of the product's names, in every language it has (ranked higher)
    text: tuple[str, ...]  # terms of everything searchable, names included
    words: tuple[str, ...]  # folded words as written, for spelling corrections and prefix suggestions
    languages: tuple[str, ...]  # the languages the product has texts in
    country: str
    category: str
    store_id: int
    price: int  # US cents at indexing time: filters, sorting and bands only, never displayed
    price_band: str
    published: int  # seconds since the epoch
    campaign: bool
    in_festival: bool = False
    stamp: str = ""  # a digest of all the fields: unchanged documents are not rewritten
    rating: int = 0  # mean stars of the shown reviews in tenths (45: 4.5 stars), 0 without reviews
    reviews: int = 0  # how many shown reviews


@dataclass(frozen=True)
class QueryUnit:
    """One thing the shopper asked for: matched by any of `any_of`, or by every group of `all_of`."""

    any_of: tuple[str, ...]
    all_of: tuple[tuple[str, ...], ...] = ()
    words: tuple[str, ...] = ()  # the folded words typed, for spelling and highlighting


@dataclass(frozen=True)
class SearchFilters:
    country: str | None = None
    category: str | None = None
    min_price: int | None = None  # US cents
    max_price: int | None = None
    price_band: str | None = None
    in_festival: bool | None = None
    min_rating: int | None = None  # whole stars: products rated at least this (the "rating" facet's filter)

    def active(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class SearchQuery:
    units: tuple[QueryUnit, ...]  # empty: the whole catalogue
    language: str = "en"  # the shopper's: products with a text in it rank higher
    filters: SearchFilters = field(default_factory=SearchFilters)
    sort: SortOrder = SortOrder.RELEVANCE
    mode: MatchMode = MatchMode.ALL
    page: int = 1
    per_page: int = 24
    facets: tuple[str, ...] = FACETS


@dataclass(frozen=True)
class SearchHit:
    id: int
    score: float


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int


@dataclass(frozen=True)
class SearchResult:
    hits: list[SearchHit]
    total: int
    facets: Mapping[str, list[FacetValue]]  # counted with every filter except the facet's own
    # ("rating" has the one value "4": the matches rated 4 stars and up, counted without `min_rating`)


class SearchIndex(Protocol):
    def index(self, documents: Sequence[SearchDocument]) -> None:
        """Add the documents, replacing any with the same id; waits for the writer's lock, then raises."""

    def remove(self, ids: Iterable[int]) -> None:
        """Remove the documents with these ids; unknown ids are ignored."""

    def rebuild(self, documents: Iterable[SearchDocument]) -> int:
        """Replace the whole index with `documents` in one commit (recreating it if it is missing or broken)."""

    def search(self, query: SearchQuery) -> SearchResult:
        """One page of matching ids with the total and facet counts; a page past the end is empty."""

    def suggest(self, prefix: str, limit: int = 10) -> list[tuple[str, int]]:
        """Indexed words starting with the folded `prefix`, with their document counts, most frequent first."""

    def document_counts(self, terms: Sequence[str]) -> dict[str, int]:
        """How many documents carry each term (0 for unknown terms)."""

    def correct(self, words: Sequence[str], vocabulary: Iterable[str] = ()) -> dict[str, str]:
        """The closest indexed word (or word of `vocabulary`) for each word the index does not know."""

    def stamps(self) -> dict[int, str]:
        """Every indexed id with its document's stamp."""

    def count(self) -> int:
        """How many documents the index holds."""

    def version(self) -> str:
        """Changes whenever the index does (cache keys include it)."""

    def outdated(self) -> bool:
        """Whether the index is stored in a form an earlier version of this code wrote (a full rebuild
        writes it anew); its answers stay correct meanwhile."""
