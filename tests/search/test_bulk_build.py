"""Full rebuilds written by several processes, and the analysis reused within a build."""
from __future__ import annotations

import os
from types import SimpleNamespace

import pytest
from whoosh.fields import KEYWORD

from marketplace.catalog.services import RateTable
from marketplace.search import bulk
from marketplace.search.catalogue import SearchRequest, search_ids
from marketplace.search.documents import DocumentBuilder, product_source
from marketplace.search.glossary import get_glossary
from marketplace.search.port import FACETS, QueryUnit, SearchDocument, SearchFilters, SearchQuery, SortOrder
from marketplace.search.whoosh import WhooshIndex, storage, writing

pytestmark = pytest.mark.skipif(not bulk.fork_available(), reason="parallel builds need fork")


def doc(id_: int) -> SearchDocument:
    words = ("coffee beans", "coffee mug", "shea butter", "kente stole")[id_ % 4].split()
    return SearchDocument(id_, tuple(words[:1]), tuple(words), tuple(words), ("en", "fr")[: 1 + id_ % 2],
                          ("GH", "KE", "SN")[id_ % 3], "coffee", 1, 100 * (id_ % 7), "under-10", id_ % 5,
                          id_ % 3 == 0, False, f"stamp-{id_}")


def results(index: WhooshIndex) -> list:
    queries = [SearchQuery((QueryUnit(("coffee",)),), sort=sort, filters=filters)
               for sort in SortOrder for filters in (SearchFilters(), SearchFilters(country="KE"))]
    queries.append(SearchQuery((), per_page=50))
    return [index.search(q) for q in queries]


@pytest.fixture
def parallel(monkeypatch):
    """Rebuilds of 40 documents or more use two processes, in batches of 7."""
    monkeypatch.setattr(writing, "PARALLEL_MIN_DOCUMENTS", 40)
    monkeypatch.setattr(writing, "BUILD_BATCH", 7)


def test_a_parallel_rebuild_finds_and_orders_exactly_like_a_serial_one(tmp_path, parallel):
    serial = WhooshIndex(str(tmp_path / "serial"), refresh_seconds=0)
    split = WhooshIndex(str(tmp_path / "split"), refresh_seconds=0, build_processes=2)
    documents = [doc(i) for i in range(1, 101)]
    assert serial.rebuild(d for d in documents[:39]) == 39  # under the threshold: one process
    assert serial.rebuild(iter(documents)) == 100 == split.rebuild(iter(documents))
    assert len(split._current().leaves) == 2  # noqa: SLF001 - one segment per process
    assert split.count() == 100 and split.stamps() == serial.stamps()
    assert results(split) == results(serial)
    assert set(FACETS) <= set(results(split)[0].facets)
    split.index([doc(3)])  # later changes land beside the rebuilt segments
    split.remove([4])
    assert split.count() == 99 and 4 not in split.stamps()


def test_a_failed_parallel_rebuild_leaves_the_index_as_it_was(tmp_path, parallel, monkeypatch):
    index = WhooshIndex(str(tmp_path / "index"), refresh_seconds=0, build_processes=2)
    index.index([doc(1), doc(2)])

    def broken(self, batches):
        raise ValueError("disk full")

    monkeypatch.setattr(writing.Writer, "_write_segment", broken)
    with pytest.raises(bulk.WorkerError, match="disk full"):
        index.rebuild(doc(i) for i in range(1, 101))
    assert sorted(index.stamps()) == [1, 2]
    index.index([doc(3)])  # the lock was released
    assert index.count() == 3


def test_run_in_workers_returns_each_workers_result_in_order_and_reports_a_dead_one():
    assert bulk.run_in_workers(iter([[1, 2], [3], [4, 5], [6]]), lambda batches: sum(map(sum, batches)), 2) == [12, 9]
    with pytest.raises(bulk.WorkerError, match="exit code 3"):
        bulk.run_in_workers(iter([[1]] * 20), lambda batches: os._exit(3), 2)


def test_a_rebuild_recreates_an_index_written_with_an_older_schema(tmp_path, monkeypatch):
    old = storage.schema()
    old.remove("words")
    old.add("words", KEYWORD(scorable=False))
    monkeypatch.setattr(storage, "schema", lambda: old)
    WhooshIndex(str(tmp_path / "index")).index([doc(1)])
    monkeypatch.undo()
    index = WhooshIndex(str(tmp_path / "index"), refresh_seconds=0)
    index.rebuild(iter([doc(2)]))
    assert index._index().schema["words"].scorable  # noqa: SLF001
    assert sorted(index.stamps()) == [2]


def test_the_builder_reuses_analyses_without_changing_documents():
    names = [("en", "Shea butter, 500 g", "Raw shea butter from Tamale."), ("zh", "乳木果油", "来自加纳的乳木果油。")]
    category = SimpleNamespace(slug="beauty", texts=[SimpleNamespace(language="en", name="Beauty")])
    store = SimpleNamespace(name="Tamale Shea", original_language="en", country_code="GH")
    products = [
        SimpleNamespace(id=i, texts=[SimpleNamespace(language=lang, name=name, description=text)
                                     for lang, name, text in names[: 1 + i % 2]],
                        category=category, store=store, store_id=1, origin="Tamale", original_language="en",
                        price=SimpleNamespace(amount=500, currency="USD"), price_amount=500, currency="USD",
                        published_at=None, created_at=None, is_campaign=True, rating_count=i % 2,
                        rating_total=4 * (i % 2))
        for i in range(1, 5)
    ]
    sources = [product_source(p, RateTable({}), {}) for p in products]
    cached = DocumentBuilder(get_glossary())
    assert [cached.document(s) for s in sources] == [DocumentBuilder(get_glossary(), 0).document(s) for s in sources]
    assert cached.hits > cached.misses
    assert "§shea-butter" in cached.document(sources[1]).title


def test_the_common_words_dictionary_still_segments_product_names():
    from marketplace.search.analyzers import tokenize

    get_glossary()
    assert [t.text for t in tokenize("耶加雪菲水洗咖啡豆", "zh")] == ["耶加雪菲", "水洗", "咖啡豆"]
    assert [t.text for t in tokenize("非洲手工编织篮子", "zh")] == ["非洲", "手工编织", "篮子"]  # a glossary term, kept whole


@pytest.mark.whoosh_only
def test_reindex_from_the_database_in_two_processes_with_its_progress_bar(app, make_product, runner, monkeypatch):
    from marketplace.search import get_search_index

    monkeypatch.setattr(writing, "PARALLEL_MIN_DOCUMENTS", 3)
    monkeypatch.setattr(writing, "BUILD_BATCH", 2)
    monkeypatch.setattr(get_search_index(), "build_processes", 2)
    names = ["Rooibos tea", "Shea butter", "Kente stole", "Baobab powder", "Argan oil"]
    products = [make_product(name=name) for name in names]
    try:
        result = runner.invoke(args=["search", "reindex", "--full"])
        assert result.exit_code == 0, result.output
        assert "Indexing products" in result.output and "5 products in the index" in result.output
        assert len(get_search_index()._current().leaves) == 2  # noqa: SLF001
        for product, name in zip(products, names, strict=True):
            assert search_ids(SearchRequest(name.split()[0])).ids == [product.id]
    finally:
        get_search_index().rebuild(iter(()))
