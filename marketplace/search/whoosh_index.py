"""The Whoosh implementation of SearchIndex: the only module that imports whoosh.

Performance design (100,000 products, pure Python): one scored field (`text`, pre-analysed terms,
names repeated for the title boost, concept tokens in place of per-language fields) and one field for
spelling and suggestions (`words`). Filters, facets, sorting and boosts use per-segment column arrays
held in memory (ranking.py), loaded once per segment (segments never change; deletions are skipped by
the matchers), so a query costs one pass over its postings. The searcher is shared and refreshed when
the index changes. Writers take Whoosh's file lock with a timeout and retry (single-writer path:
writer.py). A large full rebuild is written by forked processes, one segment each, committed together
under the parent's lock (bulk.py), as Whoosh's own multiprocessing writer does.
"""
from __future__ import annotations

import heapq
import shutil
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain, islice
from pathlib import Path

from whoosh import columns, index, query
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.codec.base import Automata
from whoosh.fields import COLUMN, ID, KEYWORD, TEXT, Schema
from whoosh.filedb.filestore import FileStorage, RamStorage
from whoosh.index import LockError
from whoosh.support.levenshtein import distance
from whoosh.writing import CLEAR, SegmentWriter

from marketplace.search import bulk, port
from marketplace.search.port import MatchMode, QueryUnit, SearchDocument, SearchHit, SearchQuery, SearchResult
from marketplace.search.ranking import CAMPAIGN, FESTIVAL, Columns, facet, order, passes

INDEX_NAME = "products"
# Rebuilds keep a writer's postings in memory up to this size before sorting them through temporary
# files (Whoosh's default, 128 MB, spilled a 10,000-product rebuild to disk and doubled its time).
BUILD_LIMIT_MB = 384
# Smaller rebuilds are written by one process into one segment: as fast below this size (10,000
# products: 15 s either way on 2 cores), and a second segment costs every spelling correction.
PARALLEL_MIN_DOCUMENTS = 25_000
BUILD_BATCH = 250  # documents handed to a build process at a time
SMALL_INDEX = 5_000  # documents: up to this size Whoosh's preloading Or matcher is the faster one


def schema() -> Schema:
    return Schema(
        id=ID(unique=True),
        text=TEXT(analyzer=SpaceSeparatedTokenizer(), phrase=False),
        # Scorable only so the field has a length column: Whoosh looks a missing one up on disk once
        # per posting while writing, which cost a tenth of a rebuild.
        words=KEYWORD(scorable=True),
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


def _signature(schema_: Schema) -> dict[str, tuple[str, bool, str]]:
    """What tells two schemas apart (Whoosh's column types do not compare equal to themselves)."""
    return {name: (type(field).__name__, bool(field.scorable), type(field.column_type).__name__)
            for name, field in schema_.items()}


def _load_segment(reader) -> Columns:
    numbers = {name: reader.column_reader(name) for name in ("pid", "price", "published", "flags")}
    texts = {name: reader.column_reader(name) for name in ("country", "category", "price_band", "langs")}
    return Columns.read(numbers, texts)


def _segment_id(leaf) -> str | None:
    segment = leaf.reader().segment()
    return segment.segment_id() if segment is not None else None


class _View:
    """A searcher with every segment's columns joined, indexed like the searcher's document numbers."""

    def __init__(self, searcher, segments: dict[str, Columns]) -> None:
        self.searcher = searcher
        self.generation = searcher.reader().generation()
        self.leaves: list[tuple[object, int]] = [
            (leaf, offset) for leaf, offset in searcher.leaf_searchers() if _segment_id(leaf) is not None
        ]
        self.columns = Columns.join([segments[_segment_id(leaf)] for leaf, _offset in self.leaves])


class WhooshIndex:
    """A Whoosh index in a folder (or in memory for `path == "memory"`)."""

    def __init__(self, path: str, lock_timeout: float = 2.0, write_attempts: int = 15,
                 refresh_seconds: float = 1.0, build_processes: int = 1) -> None:
        self.path = path
        self.build_processes = build_processes
        self.lock_timeout = lock_timeout
        self.write_attempts = write_attempts
        self.refresh_seconds = refresh_seconds
        self._ix = None
        self._view: _View | None = None
        self._segments: dict[str, Columns] = {}
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

    def _write(self, apply, clear: bool = False, limitmb: int = 128, rebuilding: bool = False) -> None:
        """Run `apply(writer)` and commit, retrying while another process holds the lock; `clear` drops every
        segment. When `rebuilding`, segments `apply` returns (written by other processes) replace all others."""
        for attempt in range(self.write_attempts):
            try:
                writer = self._index().writer(timeout=self.lock_timeout, delay=0.05, limitmb=limitmb)
            except LockError:
                if attempt == self.write_attempts - 1:
                    raise
                time.sleep(min(0.05 * 2**attempt, 1.0))
                continue
            try:
                segments = apply(writer)
            except BaseException:
                writer.cancel()
                raise
            if rebuilding and segments is not None:
                writer.commit(mergetype=lambda _writer, _old, replacement=segments: replacement)
            else:
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
            elif _signature(self._index().schema) != _signature(schema()):
                self._open(recreate=True)  # an index from an older version of this module
        documents, count = iter(documents), 0

        def fill(writer) -> list | None:
            nonlocal count
            # Read under the lock (like everything else here), so no refresh can commit in between.
            head = list(islice(documents, PARALLEL_MIN_DOCUMENTS))
            if (self.build_processes > 1 and self.path != "memory" and len(head) == PARALLEL_MIN_DOCUMENTS
                    and bulk.fork_available()):
                count, segments = self._write_in_processes(chain(head, documents))
                return segments
            for document in chain(head, documents):
                writer.add_document(**_fields(document))
                count += 1
            return None

        self._write(fill, clear=True, limitmb=BUILD_LIMIT_MB, rebuilding=True)
        return count

    def _write_in_processes(self, documents: Iterator[SearchDocument]) -> tuple[int, list]:
        """Write `documents` with several processes, one new segment each; (count, segments)."""
        count = 0

        def batches() -> Iterator[list[dict]]:
            nonlocal count
            while batch := list(islice(documents, BUILD_BATCH)):
                count += len(batch)
                yield [_fields(d) for d in batch]

        written = bulk.run_in_workers(batches(), self._write_segment, self.build_processes)
        return count, [s for s in written if s is not None]

    def _write_segment(self, batches: Iterator[list[dict]]):
        """In a build process: write the batches' documents into a new segment, not yet committed."""
        ix = FileStorage(self.path).open_index(INDEX_NAME)
        # The parent holds the write lock; Whoosh's multiprocessing writer opens its sub-writers the
        # same way (`_lk=False`) and finishes them with `_finalize_segment()`.
        writer = SegmentWriter(ix, _lk=False, limitmb=BUILD_LIMIT_MB)
        for batch in batches:
            for fields in batch:
                writer.add_document(**fields)
        if not writer._added:  # noqa: SLF001
            writer._close_segment()  # noqa: SLF001 - never cancel(): it removes the shared temporary folder
            return None
        return writer._finalize_segment()  # noqa: SLF001

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
            filters, columns_ = query_.filters, view.columns
            keep = [(d, s) for d, s in matched if passes(columns_, d, filters)] if filters.active() else matched
            facets = {name: facet(columns_, matched, filters, name) for name in query_.facets}
            start = (max(query_.page, 1) - 1) * query_.per_page
            page = order(columns_, keep, query_, start + query_.per_page)[start:]
            hits = [SearchHit(columns_.pid[docnum], round(score, 4)) for docnum, score in page]
            return SearchResult(hits, len(keep), facets)

    def _match(self, view: _View, query_: SearchQuery) -> list[tuple[int, float]]:
        """(docnum, score) of every live document matching the query's units."""
        found: list[tuple[int, float]] = []
        if not query_.units:
            for leaf, offset in view.leaves:
                found.extend((d + offset, 0.0) for d in leaf.reader().all_doc_ids())
            return found
        union = _Union if view.searcher.doc_count_all() > SMALL_INDEX else query.Or
        units = [_unit_query(u, union) for u in query_.units]
        q = query.And(units) if query_.mode is MatchMode.ALL else union(units)
        scored = query_.sort is port.SortOrder.RELEVANCE  # scoring is 40 % of matching: only when it ranks
        for leaf, offset in view.leaves:
            if not scored:
                found.extend((d + offset, 0.0) for d in q.matcher(leaf, leaf.boolean_context()).all_ids())
                continue
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
            for leaf, offset in view.leaves:  # read when asked (reindex, check): not worth memory per worker
                stamps = leaf.reader().column_reader("stamp")
                for docnum in leaf.reader().all_doc_ids():
                    found[view.columns.pid[docnum + offset]] = bytes(stamps[docnum]).decode()
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


class _Union(query.Or):
    """An Or merging its parts' postings as read: Whoosh preloads every match instead in segments of up
    to 5,000 documents, which made 10,000 products in two segments search twice as slowly as in one."""

    matcher_type = query.Or.DEFAULT_MATCHER


def _unit_query(unit: QueryUnit, union: type[query.Or]) -> query.Query:
    options: list[query.Query] = [query.Term("text", t) for t in unit.any_of]
    if unit.all_of:
        groups = [_any_term(group, union) for group in unit.all_of]
        options.append(groups[0] if len(groups) == 1 else query.And(groups))
    return options[0] if len(options) == 1 else union(options)


def _any_term(terms: Sequence[str], union: type[query.Or]) -> query.Query:
    return query.Term("text", terms[0]) if len(terms) == 1 else union([query.Term("text", t) for t in terms])


def _closest(word: str, reader, extra: set[str]) -> str | None:
    """The indexed (or `extra`) word nearest to `word`: fewest edits, then most documents."""
    limit = 1 if len(word) <= 5 else 2
    # SegmentReader.terms_within's automaton walk, with the automaton built once for every segment (a
    # multi-segment reader's own terms_within compares every word of the field with `word`).
    automaton = Automata.levenshtein_dfa(word, limit, 1)
    candidates = {w for leaf, _offset in reader.leaf_readers()
                  for w in Automata.find_matches(automaton, leaf.cursor("words"))}
    candidates |= {w for w in extra if w[:1] == word[:1] and abs(len(w) - len(word)) <= limit
                   and distance(w, word, limit) <= limit}
    if not candidates:
        return None
    return min(candidates, key=lambda w: (distance(w, word, limit), -reader.doc_frequency("words", w), w))
