"""Writing the PostgreSQL index: documents and the term counts beside them, changed in one transaction.

Every write takes one transaction-scoped advisory lock, so the term counts (read, then changed by the
difference) never see two writers at once; a writer waits `lock_timeout` seconds for it (a full
rebuild holds it throughout) and then raises IndexBusy, and its refresh waits in `search_pending` for
the next writer. Readers never wait: they see the index as of the last commit.
"""
from __future__ import annotations

import math
import secrets
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

from marketplace.search.analyzers import is_chinese
from marketplace.search.port import IndexBusy, SearchDocument

# The index's advisory lock: this class with the documents table's oid, so indexes in two schemas of one
# database (tests, benchmarks) do not wait for each other.
WRITE_LOCK = 0x5EA2C4
LOCK = "SELECT pg_advisory_xact_lock(:key, CAST(CAST(to_regclass('search_documents') AS oid) AS integer))"
BATCH = 500
TERM, WORD = "t", "w"
MAX_POSITIONS = 256  # PostgreSQL keeps at most 256 positions of a lexeme

INSERT = text("""
    INSERT INTO search_documents (product_id, title, body, words, cjk, length, languages, country, category,
                                  store_id, price, price_band, published, campaign, in_festival, rating, reviews,
                                  stamp)
    VALUES (:id, array_to_tsvector(CAST(:title AS text[])), CAST(:body AS tsvector), :words,
            :cjk, :length, :languages, :country, :category, :store_id, :price, :price_band, :published,
            :campaign, :in_festival, :rating, :reviews, :stamp)
""")
COUNT_CHANGE = text("""
    INSERT INTO search_terms (kind, term, documents)
    SELECT :kind, t.term, t.change FROM unnest(CAST(:terms AS text[]), CAST(:changes AS int[])) AS t(term, change)
    ON CONFLICT (kind, term) DO UPDATE SET documents = search_terms.documents + EXCLUDED.documents
""")
DROP_UNUSED = text("DELETE FROM search_terms "
                   "WHERE kind = :kind AND term = ANY(CAST(:terms AS text[])) AND documents <= 0")


def lexeme(term: str) -> str:
    """`term` quoted as a tsvector or tsquery lexeme, taken as it is (quotes and backslashes doubled)."""
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def frequencies_vector(document: SearchDocument) -> str:
    """The document's terms as tsvector text, each with as many positions as Whoosh's scored field has
    occurrences of it (names twice): the positions carry the term frequencies BM25 reads."""
    counts = Counter(t for t in document.title + document.title + document.text if t)
    return " ".join(f"{lexeme(term)}:{','.join(map(str, range(1, min(count, MAX_POSITIONS) + 1)))}"
                    for term, count in sorted(counts.items()))


def matched_terms(document: SearchDocument) -> set[str]:
    """The distinct terms a document is matched by (names and everything else)."""
    return {t for t in document.title + document.text if t}


def length(document: SearchDocument) -> int:
    """The document's length as Whoosh counts its scored field: names twice, then the rest."""
    return 2 * len(document.title) + len(document.text)


def row(document: SearchDocument) -> dict:
    """A document as the parameters of INSERT."""
    return {
        "id": document.id, "title": sorted({t for t in document.title if t}), "body": frequencies_vector(document),
        "words": sorted(set(document.words)), "cjk": " ".join(w for w in document.words if is_chinese(w)),
        "length": length(document), "languages": ",".join(document.languages), "country": document.country,
        "category": document.category, "store_id": document.store_id, "price": document.price,
        "price_band": document.price_band, "published": document.published, "campaign": document.campaign,
        "in_festival": document.in_festival, "rating": document.rating, "reviews": document.reviews,
        "stamp": document.stamp,
    }


class Writer:
    """Index changes on the engine `engine()` returns, each in one transaction under the write lock."""

    def __init__(self, engine: Callable[[], Engine], lock_timeout: float) -> None:
        self.engine = engine
        self.lock_timeout = lock_timeout

    @contextmanager
    def locked(self, wait: float | None = None, unlimited: bool = False) -> Iterator[Connection]:
        """A transaction holding the write lock; IndexBusy when it stayed taken for `wait` seconds.
        `unlimited` lifts the statement timeout for the transaction (a full rebuild's statements)."""
        wait = self.lock_timeout if wait is None else wait
        with self.engine().begin() as connection:
            settings = {"lock": str(int(wait * 1000)), "statement": "0" if unlimited else str(int(wait * 1000) + 1000)}
            connection.execute(text("SELECT set_config('lock_timeout', :lock, true), "
                                    "set_config('statement_timeout', :statement, true)"), settings)
            try:
                connection.execute(text(LOCK), {"key": WRITE_LOCK})
            except OperationalError as exc:
                if getattr(exc.orig, "sqlstate", None) in ("55P03", "57014"):  # lock not available, timed out
                    raise IndexBusy("another writer kept the search index locked") from exc
                raise
            connection.execute(text("SET LOCAL lock_timeout TO DEFAULT"))  # the connection's own settings again
            if not unlimited:
                connection.execute(text("SET LOCAL statement_timeout TO DEFAULT"))
            connection.execute(text("""
                INSERT INTO search_state (id, token, generation, documents, total_length)
                SELECT 1, :token, 0, count(*), coalesce(sum(length), 0) FROM search_documents
                ON CONFLICT (id) DO NOTHING
            """), {"token": secrets.token_hex(8)})
            yield connection

    def index(self, documents: Sequence[SearchDocument]) -> None:
        latest = {d.id: d for d in documents}  # the last document of an id wins
        if not latest:
            return
        with self.locked() as connection:
            changes = _remove(connection, list(latest))
            rows = [row(d) for d in latest.values()]
            connection.execute(INSERT, rows)
            for document in latest.values():
                changes.add(document, 1)
            changes.save(connection)

    def remove(self, ids: Iterable[int]) -> None:
        ids = sorted({int(i) for i in ids})
        if not ids:
            return
        with self.locked() as connection:
            _remove(connection, ids).save(connection)

    def rebuild(self, documents: Iterable[SearchDocument]) -> int:
        """Replace every document in one transaction: readers keep the previous index until it commits."""
        with self.locked(wait=max(self.lock_timeout, 60.0), unlimited=True) as connection:
            connection.execute(text("DELETE FROM search_documents"))
            connection.execute(text("DELETE FROM search_terms"))
            stream = iter(documents)
            while batch := list(islice(stream, BATCH)):
                latest = {d.id: d for d in batch}
                connection.execute(text("DELETE FROM search_documents WHERE product_id = ANY(:ids)"),
                                   {"ids": list(latest)})  # an id repeated across batches: the last wins
                connection.execute(INSERT, [row(d) for d in latest.values()])
            for kind, column in ((TERM, "tsvector_to_array(body)"), (WORD, "words")):
                connection.execute(text(f"""
                    INSERT INTO search_terms (kind, term, documents)
                    SELECT :kind, term, count(*) FROM search_documents, unnest({column}) AS term GROUP BY term
                """), {"kind": kind})
            total = connection.execute(text("""
                UPDATE search_state SET generation = generation + 1,
                       documents = (SELECT count(*) FROM search_documents),
                       total_length = (SELECT coalesce(sum(length), 0) FROM search_documents)
                RETURNING documents
            """)).scalar_one()
            return int(total)


class Changes:
    """How a write changes the term counts, the document count and the total length."""

    def __init__(self) -> None:
        self.counts: dict[str, Counter[str]] = {TERM: Counter(), WORD: Counter()}
        self.documents = 0
        self.length = 0

    def add(self, document: SearchDocument, sign: int) -> None:
        self.counts[TERM].update(dict.fromkeys(matched_terms(document), sign))
        self.counts[WORD].update(dict.fromkeys(set(document.words), sign))
        self.documents += sign
        self.length += sign * length(document)

    def remove_row(self, terms: Sequence[str], words: Sequence[str], length_: int) -> None:
        self.counts[TERM].update(dict.fromkeys(terms, -1))
        self.counts[WORD].update(dict.fromkeys(words, -1))
        self.documents -= 1
        self.length -= length_

    def save(self, connection: Connection) -> None:
        for kind, counter in self.counts.items():
            changed = sorted(term for term, change in counter.items() if change)
            if not changed:
                continue
            connection.execute(COUNT_CHANGE, {"kind": kind, "terms": changed,
                                              "changes": [counter[t] for t in changed]})
            if any(counter[t] < 0 for t in changed):
                connection.execute(DROP_UNUSED, {"kind": kind, "terms": [t for t in changed if counter[t] < 0]})
        connection.execute(text("""
            UPDATE search_state SET generation = generation + 1, documents = documents + :documents,
                   total_length = total_length + :length
        """), {"documents": self.documents, "length": self.length})


def _remove(connection: Connection, ids: list[int]) -> Changes:
    """Delete the documents with `ids`, returning the count changes their removal makes."""
    changes = Changes()
    removed = connection.execute(text("""
        DELETE FROM search_documents WHERE product_id = ANY(:ids)
        RETURNING tsvector_to_array(body) AS terms, words, length
    """), {"ids": ids})
    for terms, words, length_ in removed:
        changes.remove_row(terms, words, length_)
    return changes


def idf(documents: int, frequency: int) -> float:
    """Whoosh's BM25 inverse document frequency of a term `frequency` of `documents` documents carry."""
    return math.log(max(documents, 1) / (frequency + 1)) + 1
