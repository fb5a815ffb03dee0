"""Behaviour every SearchIndex must have, run against each backend (Whoosh on disk and in memory, and
PostgreSQL when TEST_DATABASE_URL is set)."""
from __future__ import annotations

import dataclasses

import pytest

from marketplace.search.port import (
    MatchMode,
    QueryUnit,
    SearchDocument,
    SearchFilters,
    SearchIndex,
    SearchQuery,
    SortOrder,
)
from tests.search.conftest import POSTGRES


def whoosh_on_disk(tmp_path) -> SearchIndex:
    from marketplace.search.whoosh import WhooshIndex

    return WhooshIndex(str(tmp_path / "index"), refresh_seconds=0)


def whoosh_in_memory(tmp_path) -> SearchIndex:
    from marketplace.search.whoosh import WhooshIndex

    return WhooshIndex("memory", refresh_seconds=0)


def postgres(request, tmp_path) -> SearchIndex:
    return request.getfixturevalue("postgres_index")


BACKENDS = [whoosh_on_disk, whoosh_in_memory] + ([postgres] if POSTGRES else [])


@pytest.fixture(params=BACKENDS)
def index(request, tmp_path) -> SearchIndex:
    if request.param is postgres:
        return postgres(request, tmp_path)
    return request.param(tmp_path)


def doc(id_: int, words: str, country="GH", category="coffee", price=1000, published=0, campaign=False,
        languages=("en",), title="") -> SearchDocument:
    terms = tuple(words.split())
    return SearchDocument(id_, tuple(title.split()), terms, terms, languages, country, category, 1, price,
                          "10-25", published, campaign, False, f"stamp-{id_}-{words}")


def unit(*terms: str) -> QueryUnit:
    return QueryUnit(tuple(terms))


def ids(index: SearchIndex, *units: QueryUnit, **options) -> list[int]:
    return [h.id for h in index.search(SearchQuery(tuple(units), **options)).hits]


def test_index_search_replace_and_remove(index):
    index.index([doc(1, "shea butter"), doc(2, "coffee beans"), doc(3, "coffee mug")])
    assert sorted(ids(index, unit("coffee"))) == [2, 3]
    index.index([doc(2, "kente stole")])  # same id: replaced
    assert ids(index, unit("coffee")) == [3]
    assert ids(index, unit("kente")) == [2]
    index.remove([3, 99])
    assert ids(index, unit("coffee")) == []
    assert index.count() == 2
    assert set(index.stamps()) == {1, 2}


def test_all_units_must_match_unless_any_is_asked(index):
    index.index([doc(1, "coffee beans"), doc(2, "coffee mug"), doc(3, "tea")])
    assert ids(index, unit("coffee"), unit("beans")) == [1]
    assert ids(index, unit("coffee"), unit("beans"), mode=MatchMode.ANY)[0] == 1
    assert sorted(ids(index, unit("coffee"), unit("beans"), mode=MatchMode.ANY)) == [1, 2]
    both = QueryUnit(("§x",), (("coffee",), ("mug",)))
    assert ids(index, both) == [2]


def test_empty_query_lists_everything_and_pages(index):
    index.index([doc(i, f"w{i}") for i in range(1, 8)])
    result = index.search(SearchQuery((), per_page=3, page=3))
    assert result.total == 7 and len(result.hits) == 1
    assert index.search(SearchQuery((), per_page=3, page=9)).hits == []


def test_filters_sorting_and_facets(index):
    index.index([
        doc(1, "coffee", "GH", price=500, published=10), doc(2, "coffee", "KE", price=3000, published=30),
        doc(3, "coffee", "KE", "tea", price=1500, published=20),
    ])
    assert ids(index, unit("coffee"), sort=SortOrder.PRICE_LOW) == [1, 3, 2]
    assert ids(index, unit("coffee"), sort=SortOrder.PRICE_HIGH) == [2, 3, 1]
    assert ids(index, unit("coffee"), sort=SortOrder.NEWEST) == [2, 3, 1]
    result = index.search(SearchQuery((unit("coffee"),), filters=SearchFilters(country="KE", max_price=2000)))
    assert [h.id for h in result.hits] == [3]
    countries = {f.value: f.count for f in result.facets["country"]}
    assert countries == {"GH": 1, "KE": 1}  # the country facet ignores the country filter, not the price one
    assert {f.value: f.count for f in result.facets["in_festival"]} == {"false": 1}


def rated(document: SearchDocument, rating: int, reviews: int) -> SearchDocument:
    return dataclasses.replace(document, rating=rating, reviews=reviews)


def test_rating_facet_filter_and_order(index):
    index.index([
        rated(doc(1, "shea", "GH", price=500), 45, 2), rated(doc(2, "shea", "KE", price=900), 40, 7),
        rated(doc(3, "shea", "KE", price=700), 39, 50), doc(4, "shea", "GH", price=300),
        rated(doc(5, "shea", "SN", price=800), 45, 9),
    ])
    # Best mean first, then most reviews, then id; products without a review last.
    assert ids(index, unit("shea"), sort=SortOrder.RATING) == [5, 1, 2, 3, 4]
    assert ids(index, sort=SortOrder.RATING) == [5, 1, 2, 3, 4]
    result = index.search(SearchQuery((unit("shea"),), filters=SearchFilters(min_rating=4)))
    assert sorted(h.id for h in result.hits) == [1, 2, 5] and result.total == 3
    assert {f.value: f.count for f in result.facets["rating"]} == {"4": 3}
    assert {f.value: f.count for f in result.facets["country"]} == {"GH": 1, "KE": 1, "SN": 1}
    # The facet counts with the other filters, not its own.
    kenya = index.search(SearchQuery((unit("shea"),), filters=SearchFilters(country="KE", min_rating=4)))
    assert [h.id for h in kenya.hits] == [2]
    assert {f.value: f.count for f in kenya.facets["rating"]} == {"4": 1}
    assert {f.value: f.count for f in kenya.facets["country"]} == {"GH": 1, "KE": 1, "SN": 1}
    assert index.search(SearchQuery((unit("shea"),), filters=SearchFilters(min_rating=5))).total == 0
    none = index.search(SearchQuery((unit("shea"),), filters=SearchFilters(country="GH", max_price=400)))
    assert none.facets["rating"] == []  # no match rated 4 and up: the facet offers nothing
    index.index([rated(doc(4, "shea", "GH", price=300), 50, 1)])  # a first review re-indexes the product
    assert ids(index, unit("shea"), sort=SortOrder.RATING)[0] == 4


def test_shopper_language_and_campaign_rank_higher_on_equal_matches(index):
    index.index([doc(1, "honey", languages=("fr",)), doc(2, "honey", languages=("sw",)),
                 doc(3, "honey", languages=("fr",), campaign=True)])
    assert ids(index, unit("honey"), language="sw")[0] == 2
    assert ids(index, unit("honey"), language="fr") == [3, 1, 2]


def test_title_terms_rank_higher(index):
    index.index([doc(1, "coffee mug"), doc(2, "coffee", title="coffee")])
    assert ids(index, unit("coffee"))[0] == 2


def test_suggest_counts_and_corrections(index):
    index.index([doc(1, "coffee cafe"), doc(2, "coffee"), doc(3, "cacao")])
    assert index.suggest("co") == [("coffee", 2)]
    assert index.document_counts(["coffee", "nothing"]) == {"coffee": 2, "nothing": 0}
    assert index.correct(["cofee", "coffee", "xyzzyq"]) == {"cofee": "coffee"}
    assert index.correct(["chocolate"], vocabulary=["chocolate"]) == {}  # known to the vocabulary
    assert index.correct(["chocolat"], vocabulary=["chocolate"]) == {"chocolat": "chocolate"}


def test_corrections_prefer_fewest_edits_then_most_documents_and_count_a_swap_as_one(index):
    index.index([doc(1, "honey"), doc(2, "money"), doc(3, "money"), doc(4, "kente"), doc(5, "kenta"),
                 doc(6, "kenta")])
    assert index.correct(["hoeny"]) == {"hoeny": "honey"}  # two letters swapped: one edit
    assert index.correct(["xoney"]) == {}  # the first letter is never corrected
    assert index.correct(["kentx"]) == {"kentx": "kenta"}  # one edit from both: the more common word
    index.remove([5, 6])  # "kenta" is left only in removed documents
    assert index.correct(["kentx"]) == {"kentx": "kente"}
    assert index.suggest("ken") == [("kente", 1)]
    assert index.document_counts(["kenta", "kente"]) == {"kenta": 0, "kente": 1}


def test_rebuild_replaces_everything_and_version_changes(index):
    index.index([doc(1, "a"), doc(2, "b")])
    before = index.version()
    assert index.rebuild(iter([doc(5, "c")])) == 1
    assert index.stamps() == {5: "stamp-5-c"}
    assert index.version() != before
