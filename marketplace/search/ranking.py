"""Filters, facet counts and result order over per-document column values held in memory as arrays.

Backend-neutral: a backend matches terms and hands over the matching document numbers with their
scores (numpy arrays); the values it filters, counts and sorts on live here in compact arrays indexed
by those document numbers (8 bytes a document for numbers, a small integer code for text values), so
a worker holding 100,000 products spends a few megabytes on them and a query filters, counts and
sorts tens of thousands of matches without a Python loop over them. Ties are broken by product id,
never by document number, so the order does not depend on how the index happens to be split into
segments.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from marketplace.search.port import RATING_FACET_STARS, FacetValue, SearchFilters, SearchQuery, SortOrder

LANGUAGE_BOOST = 0.6  # added to the score of a product with a text in the shopper's language
CAMPAIGN_BOOST = 0.3
RERANK_EXTRA = 30  # results re-ranked with the boosts beyond the page being shown
CAMPAIGN, FESTIVAL = 1, 2  # bits of the `flags` column
CODED = ("country", "category", "price_band", "langs")


@dataclass(frozen=True)
class Coded:
    """A text column as one small integer per document and the distinct values those integers name."""

    codes: np.ndarray  # int32, one per document
    values: tuple[str, ...]

    @classmethod
    def read(cls, raw: Iterable[bytes | str | None]) -> Coded:
        numbers: dict[bytes | str | None, int] = {}
        codes = np.fromiter((numbers.setdefault(value, len(numbers)) for value in raw), dtype=np.int32)
        values = tuple(v.decode() if isinstance(v, bytes) else (v or "") for v in numbers)
        return cls(codes, values)

    @classmethod
    def join(cls, parts: Sequence[Coded]) -> Coded:
        values = tuple(sorted({v for part in parts for v in part.values}))
        position = {v: i for i, v in enumerate(values)}
        codes = [np.array([position[v] for v in part.values], dtype=np.int32)[part.codes] if len(part.codes)
                 else part.codes for part in parts]
        return cls(np.concatenate(codes) if codes else np.zeros(0, np.int32), values)

    def code(self, value: str) -> int:
        """The code of `value`, or -1 (which no document has) when no document has the value."""
        try:
            return self.values.index(value)
        except ValueError:
            return -1


@dataclass(frozen=True)
class Columns:
    """Per-document values of one segment, or of a whole searcher (segments joined in order)."""

    pid: np.ndarray  # int64
    price: np.ndarray  # int64, US cents
    published: np.ndarray  # int64, seconds
    flags: np.ndarray  # uint8
    country: Coded
    category: Coded
    price_band: Coded
    langs: Coded  # "en,fr"
    rating: np.ndarray  # int64, mean stars in tenths (0: no review)
    reviews: np.ndarray  # int64, shown reviews

    @classmethod
    def read(cls, numbers: dict[str, Iterable[int]], texts: dict[str, Iterable[bytes | str | None]]) -> Columns:
        pid = np.fromiter(numbers["pid"], np.int64)
        # An index written before reviews existed has no rating columns: no product there has a review.
        return cls(
            pid=pid, price=np.fromiter(numbers["price"], np.int64),
            published=np.fromiter(numbers["published"], np.int64), flags=np.fromiter(numbers["flags"], np.uint8),
            rating=np.fromiter(numbers["rating"], np.int64) if "rating" in numbers else np.zeros(len(pid), np.int64),
            reviews=np.fromiter(numbers["reviews"], np.int64) if "reviews" in numbers else np.zeros(len(pid), np.int64),
            **{name: Coded.read(texts[name]) for name in CODED},
        )

    @classmethod
    def join(cls, parts: Sequence[Columns]) -> Columns:
        """One set of columns for consecutive segments (a single segment is used as it is)."""
        if len(parts) == 1:
            return parts[0]
        empty = np.zeros(0, np.int64)
        return cls(
            pid=np.concatenate([p.pid for p in parts]) if parts else empty,
            price=np.concatenate([p.price for p in parts]) if parts else empty,
            published=np.concatenate([p.published for p in parts]) if parts else empty,
            flags=np.concatenate([p.flags for p in parts]) if parts else np.zeros(0, np.uint8),
            rating=np.concatenate([p.rating for p in parts]) if parts else empty,
            reviews=np.concatenate([p.reviews for p in parts]) if parts else empty,
            **{name: Coded.join([getattr(p, name) for p in parts]) for name in CODED},
        )


def passing(columns: Columns, docs: np.ndarray, filters: SearchFilters, skip: str | None = None) -> np.ndarray:
    """A mask over `docs`: which pass every filter except the facet `skip`."""
    keep = np.ones(len(docs), dtype=bool)
    for name in ("country", "category", "price_band"):
        value = getattr(filters, name)
        if value is not None and skip != name:
            coded: Coded = getattr(columns, name)
            keep &= coded.codes[docs] == coded.code(value)
    if filters.min_price is not None:
        keep &= columns.price[docs] >= filters.min_price
    if filters.max_price is not None:
        keep &= columns.price[docs] <= filters.max_price
    if filters.in_festival is not None and skip != "in_festival":
        keep &= ((columns.flags[docs] & FESTIVAL) != 0) == filters.in_festival
    if filters.min_rating is not None and skip != "rating":
        keep &= columns.rating[docs] >= filters.min_rating * 10
    return keep


def facet(columns: Columns, docs: np.ndarray, filters: SearchFilters, name: str) -> list[FacetValue]:
    """Counts of the facet's values among matches passing every filter but the facet's own."""
    if filters.active():
        docs = docs[passing(columns, docs, filters, name)]
    if name == "in_festival":
        festive = int(np.count_nonzero(columns.flags[docs] & FESTIVAL))
        counts = {"true": festive, "false": len(docs) - festive}
    elif name == "rating":
        counts = {str(RATING_FACET_STARS): int(np.count_nonzero(columns.rating[docs] >= RATING_FACET_STARS * 10))}
    else:
        coded: Coded = getattr(columns, name)
        tally = np.bincount(coded.codes[docs], minlength=len(coded.values))
        counts = {coded.values[code]: int(tally[code]) for code in np.flatnonzero(tally)}
    return [FacetValue(value, count) for value, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            if count]


def order(columns: Columns, docs: np.ndarray, scores: np.ndarray, query: SearchQuery,
          limit: int) -> list[tuple[int, float]]:
    """The first `limit` (document number, score) in the requested order (relevance adds the language and
    campaign boosts to the best matches before the final order)."""
    if not len(docs) or limit <= 0:
        return []
    pid = columns.pid[docs]
    if query.sort is SortOrder.PRICE_LOW:
        keys: tuple[np.ndarray, ...] = (pid, columns.price[docs])
    elif query.sort is SortOrder.PRICE_HIGH:
        keys = (pid, -columns.price[docs])
    elif query.sort is SortOrder.NEWEST:
        keys = (-pid, -columns.published[docs])
    elif query.sort is SortOrder.RATING:
        keys = (pid, -columns.reviews[docs], -columns.rating[docs])
    elif not query.units:  # the catalogue: campaign products first, newest first
        keys = (-pid, -columns.published[docs], -(columns.flags[docs] & CAMPAIGN).astype(np.int64))
    else:
        return _by_relevance(columns, docs, scores, query.language, limit)
    chosen = _first(keys, limit)
    return [(int(d), float(s)) for d, s in zip(docs[chosen], scores[chosen], strict=True)]


def _first(keys: tuple[np.ndarray, ...], limit: int) -> np.ndarray:
    """Positions of the `limit` smallest rows by `keys` (last key most significant, as np.lexsort), in order."""
    primary = keys[-1]
    if len(primary) > 4 * limit:
        # Only rows whose primary key reaches the limit-th smallest can be among the first `limit`.
        bound = np.partition(primary, limit - 1)[limit - 1]
        candidates = np.flatnonzero(primary <= bound)
        return candidates[np.lexsort(tuple(k[candidates] for k in keys))[:limit]]
    return np.lexsort(keys)[:limit]


def _by_relevance(columns: Columns, docs: np.ndarray, scores: np.ndarray, language: str,
                  limit: int) -> list[tuple[int, float]]:
    pid = columns.pid[docs]
    top = _first((pid, -scores), limit + RERANK_EXTRA)
    langs, flags = columns.langs, columns.flags
    speaks = np.array([language in value.split(",") for value in langs.values] or [False], dtype=bool)
    ranked = []
    for position in top:
        docnum = int(docs[position])
        score = boosted(float(scores[position]), bool(speaks[langs.codes[docnum]]), bool(flags[docnum] & CAMPAIGN))
        ranked.append((docnum, score, int(pid[position])))
    ranked.sort(key=lambda item: (-item[1], item[2]))
    return [(docnum, score) for docnum, score, _pid in ranked[:limit]]


def boosted(score: float, speaks_language: bool, campaign: bool) -> float:
    """A match's score with the boosts for a text in the shopper's language and for a campaign product."""
    return score + (LANGUAGE_BOOST if speaks_language else 0.0) + (CAMPAIGN_BOOST if campaign else 0.0)
