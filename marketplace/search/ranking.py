"""Filters, facet counts and result order over per-document column values held in memory.

Backend-neutral: a backend matches terms and hands over (document number, score) pairs; the values
it filters, counts and sorts on live here in compact arrays indexed by those document numbers
(8 bytes a document for numbers, a shared string per distinct value for text), so a worker holding
100,000 products spends a few megabytes on them. Ties are broken by product id, never by document
number, so the order does not depend on how the index happens to be split into segments.
"""
from __future__ import annotations

import heapq
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields

from marketplace.search.port import FacetValue, SearchFilters, SearchQuery, SortOrder

LANGUAGE_BOOST = 0.6  # added to the score of a product with a text in the shopper's language
CAMPAIGN_BOOST = 0.3
RERANK_EXTRA = 30  # results re-ranked with the boosts beyond the page being shown
CAMPAIGN, FESTIVAL = 1, 2  # bits of the `flags` column
FACET_COLUMNS = {"country": "country", "category": "category", "price_band": "price_band"}
Match = tuple[int, float]  # (document number, score)


@dataclass
class Columns:
    """Per-document values of one segment, or of a whole searcher (segments joined in order)."""

    pid: array
    price: array
    published: array
    flags: array
    country: list[str]
    category: list[str]
    price_band: list[str]
    langs: list[str]

    @classmethod
    def read(cls, numbers: dict[str, Iterable[int]], texts: dict[str, Iterable[bytes | str | None]]) -> Columns:
        """Columns from raw column values; text values are decoded once per distinct value and shared."""
        shared: dict[bytes | str | None, str] = {}

        def text(values: Iterable[bytes | str | None]) -> list[str]:
            out = []
            for value in values:
                found = shared.get(value)
                if found is None:
                    decoded = value.decode() if isinstance(value, bytes) else (value or "")
                    found = shared[value] = shared.setdefault(decoded, decoded)
                out.append(found)
            return out

        return cls(
            pid=array("q", numbers["pid"]), price=array("q", numbers["price"]),
            published=array("q", numbers["published"]), flags=array("B", numbers["flags"]),
            country=text(texts["country"]), category=text(texts["category"]),
            price_band=text(texts["price_band"]), langs=text(texts["langs"]),
        )

    @classmethod
    def join(cls, parts: Sequence[Columns]) -> Columns:
        """One set of columns for consecutive segments (a single segment is used as it is)."""
        if len(parts) == 1:
            return parts[0]
        if not parts:
            return cls(array("q"), array("q"), array("q"), array("B"), [], [], [], [])
        joined = {}
        for column in fields(cls):
            first = getattr(parts[0], column.name)
            whole = first[:0]
            for part in parts:
                whole += getattr(part, column.name)
            joined[column.name] = whole
        return cls(**joined)


def passes(columns: Columns, docnum: int, filters: SearchFilters, skip: str | None = None) -> bool:
    """Whether the document passes every filter except the facet `skip`."""
    if filters.country is not None and skip != "country" and columns.country[docnum] != filters.country:
        return False
    if filters.category is not None and skip != "category" and columns.category[docnum] != filters.category:
        return False
    if filters.price_band is not None and skip != "price_band" and columns.price_band[docnum] != filters.price_band:
        return False
    if filters.min_price is not None and columns.price[docnum] < filters.min_price:
        return False
    if filters.max_price is not None and columns.price[docnum] > filters.max_price:
        return False
    if filters.in_festival is not None and skip != "in_festival":
        if bool(columns.flags[docnum] & FESTIVAL) != filters.in_festival:
            return False
    return True


def facet(columns: Columns, matched: list[Match], filters: SearchFilters, name: str) -> list[FacetValue]:
    """Counts of the facet's values among matches passing every filter but the facet's own."""
    if filters.active():
        docnums = [d for d, _s in matched if passes(columns, d, filters, name)]
    else:
        docnums = [d for d, _s in matched]
    if name == "in_festival":
        flags = columns.flags
        counts = Counter("true" if flags[d] & FESTIVAL else "false" for d in docnums)
    else:
        values = getattr(columns, FACET_COLUMNS[name])
        counts = Counter(values[d] for d in docnums)
    return [FacetValue(value, count) for value, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def order(columns: Columns, keep: list[Match], query: SearchQuery, limit: int) -> list[Match]:
    """The first `limit` results in the requested order (relevance adds the language and campaign boosts)."""
    pid, price, published, flags = columns.pid, columns.price, columns.published, columns.flags
    if query.sort is SortOrder.PRICE_LOW:
        return heapq.nsmallest(limit, keep, key=lambda i: (price[i[0]], pid[i[0]]))
    if query.sort is SortOrder.PRICE_HIGH:
        return heapq.nsmallest(limit, keep, key=lambda i: (-price[i[0]], pid[i[0]]))
    if query.sort is SortOrder.NEWEST:
        return heapq.nsmallest(limit, keep, key=lambda i: (-published[i[0]], -pid[i[0]]))
    if not query.units:  # the catalogue: campaign products first, newest first
        return heapq.nsmallest(limit, keep, key=lambda i: (-(flags[i[0]] & CAMPAIGN), -published[i[0]], -pid[i[0]]))
    language, langs = query.language, columns.langs
    top = heapq.nlargest(limit + RERANK_EXTRA, keep, key=lambda i: (i[1], -pid[i[0]]))
    boosted = []
    for docnum, score in top:
        if language in langs[docnum].split(","):
            score += LANGUAGE_BOOST
        if flags[docnum] & CAMPAIGN:
            score += CAMPAIGN_BOOST
        boosted.append((docnum, score))
    boosted.sort(key=lambda i: (-i[1], pid[i[0]]))
    return boosted[:limit]
