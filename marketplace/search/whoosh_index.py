"""The Whoosh implementation of SearchIndex: the only module that imports whoosh.

Performance design (100,000 products, pure Python): one scored field (`text`, pre-analysed terms,
names repeated for the title boost, concept tokens in place of per-language fields) and one
unscored field (`words`, for spelling and suggestions). Filters, facets, sorting and the language
and campaign boosts use per-segment column arrays held in memory, loaded once per segment (segments
never change; deletions are skipped by the matchers), so a query costs one pass over its postings.
The searcher is shared and refreshed when the index changes, never reopened per query. Writers take
Whoosh's file lock with a timeout and retry; the single-writer path around this lives in writer.py.
"""
from __future__ import annotations

import heapq
import os
import shutil
import threading
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from whoosh import columns, index, query
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.fields import COLUMN, ID, KEYWORD, TEXT, Schema
from whoosh.filedb.filestore import FileStorage, RamStorage
from whoosh.index import LockError
from whoosh.support.levenshtein import distance
from whoosh.writing import CLEAR

from marketplace.search.port import (
    FacetValue,
    MatchMode,
    QueryUnit,
    SearchDocument,
    SearchHit,
    SearchQuery,
    SearchResult,
    SortOrder,
)

INDEX_NAME = "products"
LANGUAGE_BOOST = 0.6  # added to the score of a product with a text in the shopper's language
CAMPAIGN_BOOST = 0.3
RERANK_EXTRA = 30  # results re-ranked with the boosts beyond the page being shown
CAMPAIGN, FESTIVAL = 1, 2  # bits of the `flags` column
FACET_COLUMNS = {"country": "country", "category": "category", "price_band": "price_band"}


def schema() -> Schema:
    return Schema(
        id=ID(unique=True),
        text=TEXT(analyzer=SpaceSeparatedTokenizer(), phrase=False),
        words=KEYWORD(scorable=False),
        pid=COLUMN(columns.NumericColumn("q")),
        price=COLUMN(columns.NumericColumn("q")),
        published=COLUMN(columns.NumericColumn("q")),
        flags=COLUMN(columns.NumericColumn("B")),
        country=COLUMN(columns.VarBytesColumn()),
        category=COLUMN(columns.VarBytesColumn()),
        price_band=COLUMN(columns.VarBytesColumn()),
        langs=COLUMN(columns.VarBytesColumn()),
        stamp=COLUMN(columns.VarBytesColumn()),
    )


@dataclass
class _Segment:
    """The column values of one segment, as Python lists indexed by the segment's document number."""

    pid: list[int]
    price: list[int]
    published: list[int]
    flags: list[int]
    country: list[str]
    category: list[str]
    price_band: list[str]
    langs: list[str]
    stamp: list[str]


def _load_segment(reader) -> _Segment:
    def text_column(name: str) -> list[str]:
        return [v.decode() if isinstance(v, bytes) else (v or "") for v in reader.column_reader(name)]

    return _Segment(
        pid=list(reader.column_reader("pid")), price=list(reader.column_reader("price")),
        published=list(reader.column_reader("published")), flags=list(reader.column_reader("flags")),
        country=text_column("country"), category=text_column("category"),
        price_band=text_column("price_band"), langs=text_column("langs"), stamp=text_column("stamp"),
    )


def _segment_id(leaf) -> str | None:
    segment = leaf.reader().segment()
    return segment.segment_id() if segment is not None else None


class _View:
    """A searcher with every segment's column arrays joined, indexed like the searcher's document numbers."""

    def __init__(self, searcher, segments: dict[str, _Segment]) -> None:
        self.searcher = searcher
        self.generation = searcher.reader().generation()
        self.leaves: list[tuple[object, int]] = [
            (leaf, offset) for leaf, offset in searcher.leaf_searchers() if _segment_id(leaf) is not None
        ]
        parts = [segments[_segment_id(leaf)] for leaf, _offset in self.leaves]
        for name in _Segment.__dataclass_fields__:
            setattr(self, name, [v for part in parts for v in getattr(part, name)])


class WhooshIndex:
    """A Whoosh index in a folder (or in memory for `path == "memory"`)."""

    def __init__(self, path: str, lock_timeout: float = 2.0, write_attempts: int = 15,
                 refresh_seconds: float = 1.0) -> None:
        self.path = path
        self.lock_timeout = lock_timeout
        self.write_attempts = write_attempts
        self.refresh_seconds = refresh_seconds
        self._ix = None
        self._view: _View | None = None
        self._segments: dict[str, _Segment] = {}
        self._checked_at = 0.0
        self._lock = threading.RLock()  # searching is CPU-bound Python: one search at a time per process

    # --- opening -----------------------------------------------------------------------------

    def _storage(self):
        if self.path == "memory":
            if self._ix is None:
                self._ram = RamStorage()
            return self._ram
        Path(self.path).mkdir(parents=True, exist_ok=True)
        return FileStorage(self.path)

    def _open(self, recreate: bool = False):
        """The index, created when missing (or when `recreate`: a deleted or unreadable folder)."""
        storage = self._storage()
        if recreate or not storage.index_exists(INDEX_NAME):
            self._ix = storage.create_index(schema(), indexname=INDEX_NAME)
        else:
            self._ix = storage.open_index(INDEX_NAME)
        return self._ix

    def _index(self):
        if self._ix is None or (self.path != "memory" and not Path(self.path).exists()):
            self._close_view()
            self._open()
        return self._ix

    def _close_view(self) -> None:
        if self._view is not None:
            self._view.searcher.close()
            self._view = None

    def _current(self) -> _View:
        """The shared searcher, refreshed when another writer committed (checked at most every few ms)."""
        with self._lock:
            now = time.monotonic()
            if self._view is not None and now - self._checked_at < self.refresh_seconds:
                return self._view
            self._checked_at = now
            try:
                ix = self._index()
                if self._view is not None and self._view.generation == ix.latest_generation():
                    return self._view
                # A fresh searcher: Searcher.refresh() may reuse a reader that misses new deletions.
                searcher = ix.searcher()
                self._close_view()
            except (OSError, index.EmptyIndexError):
                self._close_view()
                searcher = self._open(recreate=not index.exists_in(self.path, INDEX_NAME)
                                      if self.path != "memory" else False).searcher()
            self._view = self._view_for(searcher)
            return self._view

    def _view_for(self, searcher) -> _View:
        live = {}
        for leaf, _offset in searcher.leaf_searchers():
            segment_id = _segment_id(leaf)
            if segment_id is None:  # an empty index
                continue
            live[segment_id] = self._segments.get(segment_id) or _load_segment(leaf.reader())
        self._segments = live
        return _View(searcher, live)

    def _invalidate(self) -> None:
        self._checked_at = 0.0

    # --- writing -----------------------------------------------------------------------------

    def _write(self, apply, clear: bool = False) -> None:
        """Run `apply(writer)` and commit, retrying while another process holds the lock."""
        for attempt in range(self.write_attempts):
            try:
                writer = self._index().writer(timeout=self.lock_timeout, delay=0.05)
            except LockError:
                if attempt == self.write_attempts - 1:
                    raise
                time.sleep(min(0.05 * 2**attempt, 1.0))
                continue
            try:
                apply(writer)
            except BaseException:
                writer.cancel()
                raise
            writer.commit(mergetype=CLEAR) if clear else writer.commit()
            self._invalidate()
            return

    def index(self, documents: Sequence[SearchDocument]) -> None:
        if documents:
            self._write(lambda writer: [writer.update_document(**_fields(d)) for d in documents])

    def remove(self, ids: Iterable[int]) -> None:
        ids = list(ids)
        if ids:
            self._write(lambda writer: [writer.delete_by_term("id", str(i)) for i in ids])

    def rebuild(self, documents: Iterable[SearchDocument]) -> int:
        with self._lock:
            self._close_view()
            if self.path != "memory" and not self._usable():
                shutil.rmtree(self.path, ignore_errors=True)
                self._ix = None
        count = 0

        def fill(writer) -> None:
            nonlocal count
            for document in documents:
                writer.add_document(**_fields(document))
                count += 1

        self._write(fill, clear=True)
        return count

    def _usable(self) -> bool:
        try:
            return index.exists_in(self.path, INDEX_NAME) and self._open() is not None
        except Exception:  # noqa: BLE001 - an unreadable index is rebuilt from the database
            return False

    # --- reading -----------------------------------------------------------------------------

    def search(self, query_: SearchQuery) -> SearchResult:
        with self._lock:
            view = self._current()
            matched = self._match(view, query_)
            filters = query_.filters
            keep = [(d, s) for d, s in matched if _passes(view, d, filters, None)] if filters.active() else matched
            facets = {name: _facet(view, matched, filters, name) for name in query_.facets}
            start = (max(query_.page, 1) - 1) * query_.per_page
            page = _order(view, keep, query_, start + query_.per_page)[start:]
            hits = [SearchHit(view.pid[docnum], round(score, 4)) for docnum, score in page]
            return SearchResult(hits, len(keep), facets)

    def _match(self, view: _View, query_: SearchQuery) -> list[tuple[int, float]]:
        """(docnum, score) of every live document matching the query's units."""
        found: list[tuple[int, float]] = []
        if not query_.units:
            for leaf, offset in view.leaves:
                found.extend((d + offset, 0.0) for d in leaf.reader().all_doc_ids())
            return found
        units = [_unit_query(u) for u in query_.units]
        q = query.And(units) if query_.mode is MatchMode.ALL else query.Or(units)
        for leaf, offset in view.leaves:
            matcher = q.matcher(leaf, leaf.context())
            while matcher.is_active():
                found.append((matcher.id() + offset, matcher.score()))
                matcher.next()
        return found

    def suggest(self, prefix: str, limit: int = 10) -> list[tuple[str, int]]:
        if not prefix:
            return []
        with self._lock:
            reader = self._current().searcher.reader()
            found = []
            for number, term in enumerate(reader.expand_prefix("words", prefix)):
                if number >= 400:  # a one-letter prefix on a large index: enough candidates
                    break
                word = term.decode() if isinstance(term, bytes) else term
                found.append((word, reader.doc_frequency("words", word)))
            return heapq.nlargest(limit, found, key=lambda item: (item[1], -len(item[0])))

    def document_counts(self, terms: Sequence[str]) -> dict[str, int]:
        with self._lock:
            reader = self._current().searcher.reader()
            return {t: reader.doc_frequency("text", t) for t in terms}

    def correct(self, words: Sequence[str], vocabulary: Iterable[str] = ()) -> dict[str, str]:
        with self._lock:
            reader = self._current().searcher.reader()
            extra = set(vocabulary)
            corrections = {}
            for word in words:
                if len(word) < 4 or word in extra or reader.doc_frequency("words", word):
                    continue
                best = _closest(word, reader, extra)
                if best:
                    corrections[word] = best
            return corrections

    def stamps(self) -> dict[int, str]:
        with self._lock:
            view = self._current()
            found = {}
            for leaf, offset in view.leaves:
                for docnum in leaf.reader().all_doc_ids():
                    found[view.pid[docnum + offset]] = view.stamp[docnum + offset]
            return found

    def count(self) -> int:
        with self._lock:
            return self._current().searcher.doc_count()

    def version(self) -> str:
        with self._lock:
            return f"{id(self._ix)}:{self._current().generation}"


def _fields(document: SearchDocument) -> dict:
    flags = (CAMPAIGN if document.campaign else 0) | (FESTIVAL if document.in_festival else 0)
    return {
        "id": str(document.id),
        # Names count twice: the title boost without a second field to query.
        "text": " ".join(document.title + document.title + document.text),
        "words": " ".join(sorted(set(document.words))),
        "pid": document.id, "price": document.price, "published": document.published, "flags": flags,
        "country": document.country.encode(), "category": document.category.encode(),
        "price_band": document.price_band.encode(), "langs": ",".join(document.languages).encode(),
        "stamp": document.stamp.encode(),
    }


def _unit_query(unit: QueryUnit) -> query.Query:
    options: list[query.Query] = [query.Term("text", t) for t in unit.any_of]
    if unit.all_of:
        groups = [_any_term(group) for group in unit.all_of]
        options.append(groups[0] if len(groups) == 1 else query.And(groups))
    return options[0] if len(options) == 1 else query.Or(options)


def _any_term(terms: Sequence[str]) -> query.Query:
    return query.Term("text", terms[0]) if len(terms) == 1 else query.Or([query.Term("text", t) for t in terms])


def _passes(view: _View, docnum: int, filters, skip: str | None) -> bool:
    if filters.country is not None and skip != "country" and view.country[docnum] != filters.country:
        return False
    if filters.category is not None and skip != "category" and view.category[docnum] != filters.category:
        return False
    if filters.price_band is not None and skip != "price_band" and view.price_band[docnum] != filters.price_band:
        return False
    if filters.min_price is not None and view.price[docnum] < filters.min_price:
        return False
    if filters.max_price is not None and view.price[docnum] > filters.max_price:
        return False
    if filters.in_festival is not None and skip != "in_festival":
        if bool(view.flags[docnum] & FESTIVAL) != filters.in_festival:
            return False
    return True


def _facet(view: _View, matched: list[tuple[int, float]], filters, name: str) -> list[FacetValue]:
    """Counts of the facet's values among matches passing every filter but the facet's own."""
    if filters.active():
        docnums = [d for d, _s in matched if _passes(view, d, filters, name)]
    else:
        docnums = [d for d, _s in matched]
    if name == "in_festival":
        flags = view.flags
        counts = Counter("true" if flags[d] & FESTIVAL else "false" for d in docnums)
    else:
        values = getattr(view, FACET_COLUMNS[name])
        counts = Counter(values[d] for d in docnums)
    return [FacetValue(value, count) for value, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def _order(view: _View, keep: list[tuple[int, float]], query_: SearchQuery, limit: int) -> list[tuple[int, float]]:
    """The first `limit` results in the requested order (relevance adds the language and campaign boosts)."""
    price, published, flags = view.price, view.published, view.flags
    if query_.sort is SortOrder.PRICE_LOW:
        return heapq.nsmallest(limit, keep, key=lambda i: (price[i[0]], i[0]))
    if query_.sort is SortOrder.PRICE_HIGH:
        return heapq.nsmallest(limit, keep, key=lambda i: (-price[i[0]], i[0]))
    if query_.sort is SortOrder.NEWEST:
        return heapq.nsmallest(limit, keep, key=lambda i: (-published[i[0]], -i[0]))
    if not query_.units:  # the catalogue: campaign products first, newest first
        return heapq.nsmallest(limit, keep, key=lambda i: (-(flags[i[0]] & CAMPAIGN), -published[i[0]], -i[0]))
    language, langs = query_.language, view.langs
    top = heapq.nlargest(limit + RERANK_EXTRA, keep, key=lambda i: (i[1], -i[0]))
    boosted = []
    for docnum, score in top:
        if language in langs[docnum].split(","):
            score += LANGUAGE_BOOST
        if flags[docnum] & CAMPAIGN:
            score += CAMPAIGN_BOOST
        boosted.append((docnum, score))
    boosted.sort(key=lambda i: (-i[1], i[0]))
    return boosted[:limit]


def _closest(word: str, reader, extra: set[str]) -> str | None:
    """The indexed (or `extra`) word nearest to `word`: fewest edits, then most documents."""
    limit = 1 if len(word) <= 5 else 2
    candidates = set(reader.terms_within("words", word, limit, prefix=1))
    candidates |= {w for w in extra if w[:1] == word[:1] and abs(len(w) - len(word)) <= limit
                   and distance(w, word, limit) <= limit}
    if not candidates:
        return None
    return min(candidates, key=lambda w: (distance(w, word, limit), -reader.doc_frequency("words", w), w))


def remove_stale_lock(path: str) -> bool:
    """Delete a write-lock file left in `path` (Whoosh's locks are advisory; the file itself is harmless)."""
    lock = Path(path) / f"{INDEX_NAME}_WRITELOCK"
    if lock.exists():
        os.unlink(lock)
        return True
    return False
