"""Keeping the index true to the database: other services call these after their commit.

`reindex_products`, `remove_products` and `reindex_store` all refresh products from the database
through the single writer path (writer.py): the database decides what is indexed, so a refresh of an
unpublished, rejected, deleted or suspended-store product removes it, and a refresh of a visible one
(re)indexes it under its current texts.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace.catalog.models import Category, Product
from marketplace.catalog.services import exchange_rates, visible_products
from marketplace.core import jobs
from marketplace.extensions import db
from marketplace.search import get_search_index, writer
from marketplace.search.documents import INDEX_CURRENCY, DocumentBuilder, build_documents
from marketplace.search.glossary import get_glossary

BATCH = 500


def reindex_products(product_ids: Iterable[int]) -> None:
    """Bring these products' index entries up to date (after publish, edit, translation, price change …)."""
    writer.submit(current_app._get_current_object(), product_ids, apply_refresh)  # noqa: SLF001


def remove_products(product_ids: Iterable[int]) -> None:
    """Take these products out of the index (after unpublish or delete); the database has the last word."""
    reindex_products(product_ids)


def reindex_store(store_id: int) -> None:
    """Refresh every product of a store (after it was approved, suspended or renamed)."""
    reindex_products(db.session.scalars(select(Product.id).where(Product.store_id == store_id)).all())


def reindex_for_rate(base: str, quote: str) -> None:
    """Refresh the products whose indexed dollar price a changed rate sets (price filters, price sorting
    and price bands use that price), after the rate's commit."""
    if INDEX_CURRENCY not in (base, quote) or base == quote:
        return  # documents hold dollars converted by a direct or inverse dollar rate only
    currency = quote if base == INDEX_CURRENCY else base
    reindex_products(db.session.scalars(select(Product.id).where(Product.currency == currency)).all())


def load_visible(product_ids: Iterable[int]) -> list[Product]:
    """The visible products among `product_ids`, with what indexing reads loaded."""
    ids = sorted(set(product_ids))
    if not ids:
        return []
    query = visible_products().where(Product.id.in_(ids)).options(
        selectinload(Product.category).selectinload(Category.texts)
    )
    return list(db.session.scalars(query).unique())


@jobs.job
def apply_refresh(product_ids: Iterable[int]) -> None:
    """Index the visible ones of `product_ids` and remove the others (the writer side of a refresh; the
    search worker's job when refreshes are queued)."""
    index = get_search_index()
    ids = sorted(product_ids)
    for start in range(0, len(ids), BATCH):
        batch = ids[start:start + BATCH]
        products = load_visible(batch)
        documents = build_documents(products, get_glossary(), exchange_rates())
        found = {d.id for d in documents}
        index.remove([i for i in batch if i not in found])
        index.index(documents)


@dataclass(frozen=True)
class IndexReport:
    indexed: int  # documents written
    unchanged: int  # documents already up to date
    removed: int  # documents dropped because the database no longer shows them
    total: int  # documents in the index afterwards


def visible_ids() -> list[int]:
    """Every visible product id, ascending."""
    query = visible_products().with_only_columns(Product.id).order_by(Product.id).options()
    return list(db.session.scalars(query))


def rebuild_index(full: bool = False, progress: Callable[[int], None] | None = None) -> IndexReport:
    """Make the index match the database: write changed or missing documents, drop extra ones.

    `full` recreates the index from scratch (also what happens when it is empty, its folder missing or broken,
    or stored in a form an earlier version wrote).
    """
    index = get_search_index()
    full = full or index.outdated()
    ids = visible_ids()
    glossary, rates = get_glossary(), exchange_rates()
    builder = DocumentBuilder(glossary)  # one for the whole run: texts repeat across batches

    def documents():
        for start in range(0, len(ids), BATCH):
            products = load_visible(ids[start:start + BATCH])
            yield from build_documents(products, glossary, rates, builder)
            db.session.expunge_all()  # keep memory flat on large catalogues
            if progress:
                progress(len(products))

    stamps = {} if full else index.stamps()
    if not stamps:  # also an empty or deleted index: one rebuild, not a commit per batch
        total = index.rebuild(documents())
        _drain_spool()
        return IndexReport(total, 0, 0, index.count())
    extra = sorted(set(stamps) - set(ids))
    index.remove(extra)
    written = unchanged = 0
    changed: list = []
    for document in documents():
        if stamps.get(document.id) == document.stamp:
            unchanged += 1
            continue
        changed.append(document)
        if len(changed) >= BATCH:
            index.index(changed)
            written += len(changed)
            changed = []
    index.index(changed)
    written += len(changed)
    _drain_spool()
    return IndexReport(written, unchanged, len(extra), index.count())


def _drain_spool() -> None:
    writer.drain_pending(current_app._get_current_object(), apply_refresh)  # noqa: SLF001


@dataclass(frozen=True)
class IndexCheck:
    missing: list[int]  # visible in the database, absent from the index
    extra: list[int]  # in the index, not visible in the database
    indexed: int

    @property
    def ok(self) -> bool:
        return not self.missing and not self.extra


def check_index() -> IndexCheck:
    """Compare the index with the database."""
    indexed = set(get_search_index().stamps())
    visible = set(visible_ids())
    return IndexCheck(sorted(visible - indexed), sorted(indexed - visible), len(indexed))
