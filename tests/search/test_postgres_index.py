"""What the PostgreSQL index adds to the SearchIndex contract: one index shared by every machine,
writers that never lose an update (also several processes at once, and while a rebuild holds the
index), term counts that stay true, the Chinese fallback, and a clear refusal on SQLite."""
from __future__ import annotations

import multiprocessing

import pytest
from sqlalchemy import create_engine, text

from config import TestingConfig
from marketplace import create_app
from marketplace.search.port import QueryUnit, SearchDocument, SearchQuery
from marketplace.search.postgres import PostgresIndex, pending
from marketplace.search.postgres.writing import LOCK, WRITE_LOCK
from tests.search.conftest import POSTGRES

needs_postgres = pytest.mark.skipif(not POSTGRES, reason="needs TEST_DATABASE_URL")
WORKERS, UPDATES = 4, 8


def document(product_id: int, *words: str, title: tuple[str, ...] = ()) -> SearchDocument:
    terms = words or ("kente", f"w{product_id}")
    return SearchDocument(product_id, title, terms, terms, ("en",), "GH", "textiles", 1, 100, "under-10", 0, False,
                          stamp=f"s{product_id}-{'-'.join(terms)}")


def found(index: PostgresIndex, *terms: str) -> list[int]:
    return [h.id for h in index.search(SearchQuery((QueryUnit(terms),))).hits]


@needs_postgres
def test_a_change_written_through_one_machine_is_found_through_another_at_once(postgres_index, search_tables):
    other_machine = create_engine(search_tables.url, **search_tables.options)
    try:
        reader = PostgresIndex(lambda: other_machine)
        seen = reader.version()
        postgres_index.index([document(1, "rooibos"), document(2, "kente")])
        assert reader.version() != seen
        assert found(reader, "rooibos") == [1] and reader.count() == 2
        postgres_index.index([document(1, "baobab")])  # replaced
        assert found(reader, "rooibos") == [] and found(reader, "baobab") == [1]
    finally:
        other_machine.dispose()


@needs_postgres
def test_term_counts_follow_replacements_removals_and_rebuilds(postgres_index):
    postgres_index.index([document(1, "kente", "stole"), document(2, "kente"), document(3, "kente", "cloth")])
    assert postgres_index.document_counts(["kente", "stole", "cloth"]) == {"kente": 3, "stole": 1, "cloth": 1}
    postgres_index.index([document(1, "shea"), document(1, "shea", "butter")])  # the last of an id wins
    postgres_index.remove([3])
    assert postgres_index.document_counts(["kente", "stole", "cloth", "shea", "butter"]) == {
        "kente": 1, "stole": 0, "cloth": 0, "shea": 1, "butter": 1}
    assert postgres_index.suggest("s") == [("shea", 1)]
    assert postgres_index.rebuild(iter([document(5, "kente"), document(6, "kente")])) == 2
    assert postgres_index.document_counts(["kente", "shea"]) == {"kente": 2, "shea": 0}
    assert postgres_index.suggest("k") == [("kente", 2)]


def _write_many(url: str, options: dict, worker: int) -> None:
    engine = create_engine(url, **options)  # a process of its own: its own connections
    index = PostgresIndex(lambda: engine, lock_timeout=5)
    for update in range(UPDATES):
        product_id = worker * 100 + update
        pending.submit(engine, {product_id}, lambda ids: index.index([document(i) for i in sorted(ids)]))
    engine.dispose()


@needs_postgres
def test_writers_in_several_processes_lose_no_update_and_keep_the_counts_true(postgres_index, search_tables):
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=_write_many, args=(search_tables.url, search_tables.options, w))
                 for w in range(WORKERS)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
        assert process.exitcode == 0
    expected = {w * 100 + u for w in range(WORKERS) for u in range(UPDATES)}
    assert set(postgres_index.stamps()) == expected and postgres_index.count() == len(expected)
    assert postgres_index.document_counts(["kente"]) == {"kente": len(expected)}


@needs_postgres
def test_a_refresh_that_finds_the_index_busy_waits_in_the_database_for_the_next_writer(postgres_index, search_tables):
    engine = search_tables.engine
    apply = lambda ids: postgres_index.index([document(i) for i in sorted(ids)])  # noqa: E731
    with engine.connect() as rebuild:  # a rebuild elsewhere holds the index
        rebuild.execute(text(LOCK), {"key": WRITE_LOCK})
        pending.submit(engine, {1}, apply)  # no exception: the product's own change is already saved
        assert pending.waiting(engine) == 1 and postgres_index.count() == 0
        rebuild.rollback()
    pending.submit(engine, {2}, apply)  # the next writer applies what waits
    assert pending.waiting(engine) == 0
    assert set(postgres_index.stamps()) == {1, 2}


@needs_postgres
def test_a_chinese_word_cut_differently_is_found_inside_the_products_chinese_words(postgres_index):
    postgres_index.index([document(1, "乳木果油", "§shea"), document(2, "咖啡豆")])
    assert found(postgres_index, "乳木果") == [1]  # jieba kept 乳木果油 whole in the text
    assert found(postgres_index, "木果油", "nothing") == [1]
    assert found(postgres_index, "茶") == []
    assert found(postgres_index, "木果") == []  # two characters: no trigram to look up, so not read row by row


@needs_postgres
def test_a_lexeme_with_quotes_and_backslashes_is_matched_as_written(postgres_index):
    postgres_index.index([document(1, "o'neil", "back\\slash", "a:b"), document(2, "kente")])
    assert found(postgres_index, "o'neil") == [1]
    assert found(postgres_index, "back\\slash") == [1]
    assert found(postgres_index, "a:b") == [1]


def test_the_postgres_backend_refuses_to_start_on_sqlite(tmp_path):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'shop.db'}"
        SEARCH_BACKEND = "postgres"

    with pytest.raises(RuntimeError, match="SEARCH_BACKEND=postgres needs DATABASE_URL to be a PostgreSQL"):
        create_app(Config)
