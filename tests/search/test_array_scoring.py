"""Queries are scored over whole posting lists with numpy: same matches and scores as Whoosh's own
matchers, and the same filters, facets and order as a plain Python reading of the same columns."""
from __future__ import annotations

import random

import numpy as np
import pytest
from whoosh import query as wq
from whoosh.scoring import BM25F

from marketplace.search.port import (
    FACETS,
    MatchMode,
    QueryUnit,
    SearchDocument,
    SearchFilters,
    SearchQuery,
    SortOrder,
)
from marketplace.search.ranking import CAMPAIGN, CAMPAIGN_BOOST, FESTIVAL, LANGUAGE_BOOST, Coded, Columns, facet, order
from marketplace.search.whoosh import WhooshIndex

VOCABULARY = ["coffee", "shea", "butter", "kente", "cloth", "honey", "baobab", "oil", "tea", "rooibos", "c:7", "c:9"]


def random_documents(rng: random.Random, count: int, start: int = 1) -> list[SearchDocument]:
    documents = []
    for id_ in range(start, start + count):
        text = tuple(rng.choice(VOCABULARY) for _ in range(rng.randint(1, 12)))
        title = text[: rng.randint(0, 2)]
        languages = tuple(sorted(rng.sample(["en", "fr", "zh", "ar"], rng.randint(1, 2))))
        documents.append(SearchDocument(
            id_, title, text, text, languages, rng.choice(["GH", "KE", "SN", "MA"]),
            rng.choice(["coffee", "textiles", "beauty"]), 1, rng.randrange(100, 5000, 50),
            rng.choice(["under-10", "10-25", "25-50"]), rng.randrange(0, 50), rng.random() < 0.5,
            rng.random() < 0.3, f"stamp-{id_}"))
    return documents


@pytest.fixture
def index(tmp_path):
    """An index of 300 random documents in three segments, with some deleted."""
    rng = random.Random(5)
    index = WhooshIndex(str(tmp_path / "index"), refresh_seconds=0)
    index.rebuild(random_documents(rng, 150))
    index.index(random_documents(rng, 100, start=151))
    index.index(random_documents(rng, 50, start=251))
    index.remove(range(100, 130))
    return index


def whoosh_scores(index: WhooshIndex, q: wq.Query) -> dict[int, float]:
    """Whoosh's own matching and BM25F scores: product id → score."""
    view = index._current()  # noqa: SLF001 - comparing the backend with the library underneath it
    found = {}
    for leaf, offset in view.searcher.leaf_searchers():
        if leaf.reader().segment() is None:
            continue
        weighted = leaf.searcher if hasattr(leaf, "searcher") else leaf
        matcher = q.matcher(weighted, weighted.context(weighting=BM25F()))
        while matcher.is_active():
            found[int(view.columns.pid[matcher.id() + offset])] = matcher.score()
            matcher.next()
    return found


def array_scores(index: WhooshIndex, units: tuple[QueryUnit, ...], mode: MatchMode) -> dict[int, float]:
    view = index._current()  # noqa: SLF001
    docs, scores = index._match(view, SearchQuery(units, mode=mode))  # noqa: SLF001
    return {int(view.columns.pid[d]): float(s) for d, s in zip(docs, scores, strict=True)}


def whoosh_query(units: tuple[QueryUnit, ...], mode: MatchMode) -> wq.Query:
    def unit(u: QueryUnit) -> wq.Query:
        options: list[wq.Query] = [wq.Term("text", t) for t in u.any_of]
        if u.all_of:
            options.append(wq.And([wq.Or([wq.Term("text", t) for t in group]) for group in u.all_of]))
        return wq.Or(options)

    parts = [unit(u) for u in units]
    return wq.And(parts) if mode is MatchMode.ALL else wq.Or(parts)


QUERIES = [
    (QueryUnit(("coffee",)),),
    (QueryUnit(("coffee", "c:7")), QueryUnit(("tea",))),
    (QueryUnit(("c:9",), (("shea",), ("butter", "oil"))),),
    (QueryUnit(("kente",)), QueryUnit(("cloth", "honey")), QueryUnit(("baobab",))),
    (QueryUnit(("rooibos", "unknown-word")),),
]


@pytest.mark.parametrize("units", QUERIES)
@pytest.mark.parametrize("mode", list(MatchMode))
def test_matches_and_scores_equal_whooshs_own(index, units, mode):
    expected = whoosh_scores(index, whoosh_query(units, mode))
    found = array_scores(index, units, mode)
    assert expected, "the query should match something"
    assert found.keys() == expected.keys()  # deleted documents excluded on both sides
    for product_id, score in expected.items():
        assert found[product_id] == pytest.approx(score, rel=1e-9)


def test_a_term_nobody_has_matches_nothing(index):
    assert array_scores(index, (QueryUnit(("unknown-word",)),), MatchMode.ALL) == {}
    assert index.search(SearchQuery((QueryUnit(("coffee",)), QueryUnit(("unknown-word",))))).total == 0


# --- ranking.py against a plain Python reading of the same values ------------------------------------

def random_columns(rng: random.Random, size: int) -> Columns:
    def coded(values: list[str]) -> Coded:
        return Coded.read(rng.choice(values).encode() for _ in range(size))

    return Columns(
        pid=np.array(rng.sample(range(1, 10 * size), size), dtype=np.int64),
        price=np.array([rng.choice([100, 250, 250, 900, 1200]) for _ in range(size)], dtype=np.int64),
        published=np.array([rng.choice([10, 20, 20, 30]) for _ in range(size)], dtype=np.int64),
        flags=np.array([rng.choice([0, CAMPAIGN, FESTIVAL, CAMPAIGN | FESTIVAL]) for _ in range(size)],
                       dtype=np.uint8),
        country=coded(["GH", "KE", "SN"]), category=coded(["coffee", "tea"]),
        price_band=coded(["under-10", "10-25"]), langs=coded(["en", "fr", "en,fr", "zh"]),
        rating=np.array([rng.choice([0, 0, 35, 40, 45, 45, 50]) for _ in range(size)], dtype=np.int64),
        reviews=np.array([rng.choice([0, 1, 3, 3, 12]) for _ in range(size)], dtype=np.int64),
    )


def reference_passes(c: Columns, d: int, f: SearchFilters, skip: str | None = None) -> bool:
    for name in ("country", "category", "price_band"):
        coded = getattr(c, name)
        if getattr(f, name) is not None and skip != name and coded.values[coded.codes[d]] != getattr(f, name):
            return False
    if f.min_price is not None and c.price[d] < f.min_price:
        return False
    if f.max_price is not None and c.price[d] > f.max_price:
        return False
    if f.in_festival is not None and skip != "in_festival" and bool(c.flags[d] & FESTIVAL) != f.in_festival:
        return False
    if f.min_rating is not None and skip != "rating" and c.rating[d] < 10 * f.min_rating:
        return False
    return True


def reference_order(c: Columns, matched: list[tuple[int, float]], q: SearchQuery, limit: int) -> list[int]:
    pid = c.pid
    if q.sort is SortOrder.PRICE_LOW:
        key = lambda m: (c.price[m[0]], pid[m[0]])  # noqa: E731
    elif q.sort is SortOrder.PRICE_HIGH:
        key = lambda m: (-c.price[m[0]], pid[m[0]])  # noqa: E731
    elif q.sort is SortOrder.NEWEST:
        key = lambda m: (-c.published[m[0]], -pid[m[0]])  # noqa: E731
    elif q.sort is SortOrder.RATING:
        key = lambda m: (-c.rating[m[0]], -c.reviews[m[0]], pid[m[0]])  # noqa: E731
    elif not q.units:
        key = lambda m: (-(int(c.flags[m[0]]) & CAMPAIGN), -c.published[m[0]], -pid[m[0]])  # noqa: E731
    else:
        top = sorted(matched, key=lambda m: (-m[1], pid[m[0]]))[: limit + 30]
        boosted = []
        for d, s in top:
            s += LANGUAGE_BOOST if q.language in c.langs.values[c.langs.codes[d]].split(",") else 0
            s += CAMPAIGN_BOOST if c.flags[d] & CAMPAIGN else 0
            boosted.append((d, s))
        return [d for d, _s in sorted(boosted, key=lambda m: (-m[1], pid[m[0]]))[:limit]]
    return [d for d, _s in sorted(matched, key=key)[:limit]]


FILTERS = [SearchFilters(), SearchFilters(country="KE"), SearchFilters(country="nowhere"),
           SearchFilters(category="tea", min_price=200, max_price=1000), SearchFilters(in_festival=True),
           SearchFilters(price_band="10-25", in_festival=False, country="GH"), SearchFilters(min_rating=4),
           SearchFilters(min_rating=5, country="KE")]


@pytest.mark.parametrize("seed", range(6))
def test_filters_facets_and_order_equal_a_plain_reading(seed):
    rng = random.Random(seed)
    columns = random_columns(rng, 400)
    docs = np.array(sorted(rng.sample(range(400), rng.randint(1, 400))), dtype=np.int64)
    # Scores with many ties, as products with the same words have.
    scores = np.array([rng.choice([1.0, 1.5, 2.25, 2.25, 3.0]) for _ in docs])
    matched = list(zip(docs.tolist(), scores.tolist(), strict=True))
    for filters in FILTERS:
        for name in FACETS:
            counted = {}
            for d, _s in matched:
                if reference_passes(columns, d, filters, name):
                    if name == "rating":
                        value = "4" if columns.rating[d] >= 40 else None
                    elif name == "in_festival":
                        value = "true" if columns.flags[d] & FESTIVAL else "false"
                    else:
                        value = getattr(columns, name).values[getattr(columns, name).codes[d]]
                    if value is not None:
                        counted[value] = counted.get(value, 0) + 1
            expected = sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))
            assert [(f.value, f.count) for f in facet(columns, docs, filters, name)] == expected
        for sort in SortOrder:
            for units in ((), (QueryUnit(("x",)),)):
                query = SearchQuery(units, language=rng.choice(["en", "fr", "zh"]), filters=filters, sort=sort)
                kept = [(d, s) for d, s in matched if reference_passes(columns, d, filters)]
                keep = np.array([reference_passes(columns, d, filters) for d in docs.tolist()], dtype=bool)
                for limit in (1, 5, 24, 500):
                    found = [d for d, _s in order(columns, docs[keep], scores[keep], query, limit)]
                    assert found == reference_order(columns, kept, query, limit), (filters, sort, units, limit)


def test_columns_of_several_segments_join_with_shared_codes():
    first = Columns.read({"pid": [1, 2], "price": [5, 6], "published": [0, 0], "flags": [0, 1]},
                         {"country": [b"GH", b"KE"], "category": [b"tea", b"tea"], "price_band": [b"a", b"a"],
                          "langs": [b"en", b"fr"]})
    second = Columns.read({"pid": [3], "price": [7], "published": [0], "flags": [2]},
                          {"country": [b"KE"], "category": [b"coffee"], "price_band": [b"b"], "langs": [b"en"]})
    joined = Columns.join([first, second])
    assert joined.pid.tolist() == [1, 2, 3]
    assert [joined.country.values[c] for c in joined.country.codes] == ["GH", "KE", "KE"]
    assert [joined.category.values[c] for c in joined.category.codes] == ["tea", "tea", "coffee"]
    assert joined.country.code("SN") == -1
