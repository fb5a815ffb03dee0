"""The index follows the database: services refresh it after their commit; reindex and check repair it."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from marketplace.catalog.models import ProductStatus, ProductText
from marketplace.catalog.services import exchange_rates
from marketplace.extensions import db
from marketplace.search import get_search_index
from marketplace.search.catalogue import SearchRequest, search_ids
from marketplace.search.documents import build_documents
from marketplace.search.glossary import get_glossary
from marketplace.search.services import check_index, rebuild_index, reindex_products, reindex_store, remove_products
from marketplace.vendors.models import StoreStatus


@pytest.fixture
def index(app):
    get_search_index().rebuild(iter(()))
    yield get_search_index()
    get_search_index().rebuild(iter(()))


def found(text: str, language: str = "en") -> list[int]:
    return search_ids(SearchRequest(text, language)).ids


def test_edit_then_found_under_new_words_and_unpublish_removes(index, make_product):
    product = make_product(name="Kente stole")
    reindex_products([product.id])
    assert found("kente") == [product.id]
    assert found("乳木果油", "zh") == []

    product.texts[0].name = "Shea butter, 500 g"
    product.texts[0].description = "Raw, from Tamale."
    db.session.commit()
    reindex_products([product.id])
    assert found("kente") == []
    assert found("乳木果油", "zh") == [product.id]  # a Chinese query finds the English text

    product.texts.append(ProductText(language="fr", name="Beurre de karité", description="Du Ghana."))
    db.session.commit()
    reindex_products([product.id])
    assert found("beurre", "fr") == [product.id]

    product.status = ProductStatus.DRAFT
    db.session.commit()
    remove_products([product.id])
    assert found("shea butter") == []


def test_a_suspended_store_leaves_search(index, make_product):
    product = make_product(name="Baobab powder")
    reindex_products([product.id])
    product.store.status = StoreStatus.SUSPENDED
    db.session.commit()
    reindex_store(product.store_id)
    assert found("baobab") == []


def test_only_visible_products_are_shown_even_from_a_stale_index(index, make_product, client):
    product = make_product(name="Moringa powder")
    reindex_products([product.id])
    product.status = ProductStatus.ARCHIVED
    db.session.commit()  # no refresh: the index is now stale
    page = client.get("/en/search?q=moringa")
    assert page.status_code == 200
    assert "Moringa powder" not in page.get_data(as_text=True)


def test_check_reports_missing_and_extra_and_reindex_repairs(index, make_product, runner):
    shown, hidden = make_product(name="Cashew nuts"), make_product(name="Sesame", status=ProductStatus.DRAFT)
    reindex_products([shown.id])
    hidden.status = ProductStatus.PUBLISHED
    db.session.commit()
    index.index(build_documents([hidden], get_glossary(), exchange_rates()))
    hidden.status = ProductStatus.DRAFT
    db.session.commit()
    other = make_product(name="Vanilla pods")  # never indexed
    result = check_index()
    assert (result.missing, result.extra) == ([other.id], [hidden.id])
    assert runner.invoke(args=["search", "check"]).exit_code == 1

    out = runner.invoke(args=["search", "reindex"])
    assert out.exit_code == 0, out.output
    assert "2 products in the index" in out.output
    assert check_index().ok
    again = rebuild_index()
    assert (again.indexed, again.unchanged) == (0, 2)  # nothing changed: nothing rewritten


@pytest.mark.whoosh_only
def test_reindex_works_on_a_deleted_folder_and_a_stale_lock(app, make_product, runner):
    product = make_product(name="Rooibos tea")
    folder = Path(app.config["SEARCH_INDEX_DIR"])
    shutil.rmtree(folder)
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0
    (folder / "products_WRITELOCK").write_text("left by a killed process")
    result = runner.invoke(args=["search", "reindex", "--full"])
    assert result.exit_code == 0, result.output
    assert found("rooibos") == [product.id]
    get_search_index().rebuild(iter(()))


@pytest.mark.whoosh_only
def test_reindex_rewrites_an_index_an_earlier_version_stored_as_compound_files(app, make_product, monkeypatch):
    from marketplace.search.whoosh import storage

    product = make_product(name="Baobab powder")
    with monkeypatch.context() as earlier:
        earlier.setattr(storage, "COMPOUND", True)  # how segments were written before
        rebuild_index(full=True)
    index = get_search_index()
    assert index.outdated() and found("baobab") == [product.id]  # still answers meanwhile
    report = rebuild_index()  # not asked for --full: the stored form decides
    assert report.indexed == 1 and not index.outdated()
    assert found("baobab") == [product.id]
    assert rebuild_index().indexed == 0  # once rewritten, an unchanged catalogue is left alone
    get_search_index().rebuild(iter(()))
