"""The tables of the PostgreSQL search index: documents, term counts, pending refreshes and a generation.

They are created on SQLite too (the schema is one for both databases), where nothing uses them: the
backend refuses to start on SQLite. The GIN and trigram indexes and the `pg_trgm` extension exist only
on PostgreSQL; the column types fall back to plain text elsewhere.
"""
from __future__ import annotations

from sqlalchemy import DDL, BigInteger, Boolean, Index, Integer, String, Text, event, text
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db

# Byte order, so a word prefix is a range of the primary key (the database's collation may not be C).
ORDERED_TEXT = Text(collation="C").with_variant(Text(), "sqlite")
VECTOR = TSVECTOR().with_variant(Text(), "sqlite")
TERMS = ARRAY(Text()).with_variant(Text(), "sqlite")


class SearchDocumentRow(db.Model):
    """One visible product as the index sees it: analysed terms as vectors, and what filters, facets and
    sorting read."""

    __tablename__ = "search_documents"
    __table_args__ = (
        Index("ix_search_documents_body", "body", postgresql_using="gin"),
        Index("ix_search_documents_cjk", "cjk", postgresql_using="gin", postgresql_ops={"cjk": "gin_trgm_ops"}),
    )

    product_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    title = mapped_column(VECTOR, nullable=False)  # the terms of the product's names (and their concepts)
    body = mapped_column(VECTOR, nullable=False)  # every term, names included: what matching reads
    words = mapped_column(TERMS, nullable=False)  # folded words as written (spelling, suggestions)
    cjk: Mapped[str] = mapped_column(Text, default="")  # Chinese words, for the substring fallback
    length: Mapped[int] = mapped_column(Integer)  # terms counted like Whoosh's field length (names twice)
    languages: Mapped[str] = mapped_column(String(40))  # "en,fr"
    country: Mapped[str] = mapped_column(String(2))
    category: Mapped[str] = mapped_column(String(80))
    store_id: Mapped[int] = mapped_column(Integer)
    price: Mapped[int] = mapped_column(BigInteger)  # US cents
    price_band: Mapped[str] = mapped_column(String(16))
    published: Mapped[int] = mapped_column(BigInteger)
    campaign: Mapped[bool] = mapped_column(Boolean)
    in_festival: Mapped[bool] = mapped_column(Boolean)
    rating: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # mean stars in tenths, 0: none
    reviews: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    stamp: Mapped[str] = mapped_column(String(40))


class SearchTermCount(db.Model):
    """How many documents carry a term (`kind` "t", matching and scoring) or a word ("w", spelling and
    suggestions), kept in step with the documents by every write."""

    __tablename__ = "search_terms"
    __table_args__ = (
        Index("ix_search_terms_words_trigram", "term", postgresql_using="gin",
              postgresql_ops={"term": "gin_trgm_ops"}, postgresql_where=text("kind = 'w'")),
    )

    kind: Mapped[str] = mapped_column(String(1), primary_key=True)
    term = mapped_column(ORDERED_TEXT, primary_key=True)
    documents: Mapped[int] = mapped_column(Integer)


class SearchPending(db.Model):
    """A refresh that found the index busy (a rebuild running): applied by whoever writes next."""

    __tablename__ = "search_pending"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    product_ids: Mapped[str] = mapped_column(Text)  # "3,17,42"


class SearchState(db.Model):
    """The index's one row, made by the first write: a generation bumped by every write and a token drawn
    when the row was made (together the version cache keys use), the document count and the total
    length (average length for scoring)."""

    __tablename__ = "search_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    token: Mapped[str] = mapped_column(String(16))
    generation: Mapped[int] = mapped_column(BigInteger)
    documents: Mapped[int] = mapped_column(Integer)
    total_length: Mapped[int] = mapped_column(BigInteger)


# The names' vector stays in the row, uncompressed: the ranking estimate reads it for every match. A row that
# PostgreSQL toasts (over about 2 KB: products with long texts in several languages) is cut down to 256
# bytes, its other vectors and words moved to TOAST, so matching and facets read fewer pages.
event.listen(SearchDocumentRow.__table__, "after_create", DDL(
    "ALTER TABLE search_documents SET (toast_tuple_target = 256), ALTER COLUMN title SET STORAGE PLAIN"
).execute_if(dialect="postgresql"))
for _table in (SearchDocumentRow.__table__, SearchTermCount.__table__):  # their trigram indexes need it
    event.listen(_table, "before_create",
                 DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"))
