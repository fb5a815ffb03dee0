"""The Whoosh implementation of SearchIndex: the only module that imports whoosh.

Performance design (100,000 products): one scored field (`text`, pre-analysed terms, names repeated
for the title boost, concept tokens in place of per-language fields) and one field for spelling and
suggestions (`words`). Whoosh stores the postings and segments and writes them; queries do not go
through its matchers (Python calls per posting: 90-130 ms at the 95th percentile on 100,000
products) but read each term's posting list as arrays and score them with the same BM25F in numpy
(_Scorer). Filters, facets, sorting and boosts use per-segment column arrays held in memory
(ranking.py), loaded once per segment (segments never change; deletions are a per-searcher mask).
Spelling corrections compare the typed word with the segment's words in C (rapidfuzz). The searcher
is shared and refreshed when the index changes. Writers take Whoosh's file lock with a timeout and
retry (single-writer path: writer.py). A large full rebuild is written by forked processes, one
segment each, committed together under the parent's lock (bulk.py), as Whoosh's own multiprocessing
writer does.
"""
from __future__ import annotations

import bisect
import math
import shutil
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate, chain, islice, repeat
from pathlib import Path

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA
from whoosh import columns, index
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.fields import COLUMN, ID, KEYWORD, TEXT, Schema
from whoosh.filedb.filestore import FileStorage, RamStorage
from whoosh.index import LockError
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length
from whoosh.writing import CLEAR, SegmentWriter

from marketplace.search import bulk
from marketplace.search.port import MatchMode, QueryUnit, SearchDocument, SearchHit, SearchQuery, SearchResult
from marketplace.search.ranking import CAMPAIGN, CODED, FESTIVAL, Columns, facet, order, passing

INDEX_NAME = "products"
# Rebuilds keep a writer's postings in memory up to this size before sorting them through temporary
# files (Whoosh's default, 128 MB, spilled a 10,000-product rebuild to disk and doubled its time).
BUILD_LIMIT_MB = 384
# Smaller rebuilds are written by one process into one segment: as fast below this size (10,000
# products: 15 s either way on 2 cores), and a second segment costs every spelling correction.
PARALLEL_MIN_DOCUMENTS = 25_000
BUILD_BATCH = 250  # documents handed to a build process at a time
OPEN_ATTEMPTS = 10
B, K1 = 0.75, 1.2  # Whoosh's BM25F defaults
# Segments stay as separate files: Whoosh reads a compound segment file through a memory map and then
# copies each part it opens (postings, term index) into a BytesIO, so every worker held the postings
# twice (120 MB of its 290 at 100,000 products). Separate files are read with ordinary buffered reads.
COMPOUND = False


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


def _numbers(creader, dtype: str, doccount: int) -> np.ndarray:
    """A numeric column as an array: its bytes as they lie in the file (big-endian, the values written
    for the first documents, the column's default for the rest), or value by value for other readers."""
    if isinstance(creader, columns.NumericColumn.Reader) and not creader._reverse:  # noqa: SLF001
        width = creader._fixedlen  # noqa: SLF001
        raw = creader._dbfile.get(creader._basepos, creader._count * width)  # noqa: SLF001
        found = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder(">")).astype(dtype)
        if len(found) >= doccount:
            return found[:doccount]
        return np.concatenate([found, np.full(doccount - len(found), creader._default, dtype)])  # noqa: SLF001
    return np.fromiter(creader, dtype, count=doccount)


class _Segment:
    """What a query needs of one segment beside its postings, read once (segments never change)."""

    def __init__(self, reader) -> None:
        size = reader.doc_count_all()
        numbers = {name: _numbers(reader.column_reader(name), kind, size)
                   for name, kind in (("pid", "i8"), ("price", "i8"), ("published", "i8"), ("flags", "u1"))}
        texts = {name: reader.column_reader(name) for name in CODED}
        self.columns = Columns.read(numbers, texts)
        # The scored field's length per document, as Whoosh stores it (a byte on a logarithmic scale).
        length_bytes = _numbers(reader._perdoc.column_reader("_text_len", LENGTHS_COLUMN), "u1", size)  # noqa: SLF001
        self.lengths = _LENGTHS[length_bytes]
        self._spelling: _Words | None = None

    def spelling(self, reader) -> _Words:
        if self._spelling is None:
            self._spelling = _Words((t.decode() if isinstance(t, bytes) else t, info.doc_frequency())
                                    for t, info in reader.iter_field("words"))
        return self._spelling


_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


def _segment_id(leaf) -> str | None:
    segment = leaf.reader().segment()
    return segment.segment_id() if segment is not None else None


class _View:
    """A searcher with every segment's columns joined, indexed like the searcher's document numbers, which
    documents are live (deletions change without the segment changing), and each document's BM25 length
    normalisation for the searcher's average length."""

    def __init__(self, searcher, segments: dict[str, _Segment]) -> None:
        self.searcher = searcher
        self.generation = searcher.reader().generation()
        self.leaves: list[tuple[object, int]] = [
            (leaf, offset) for leaf, offset in searcher.leaf_searchers() if _segment_id(leaf) is not None
        ]
        parts = [segments[_segment_id(leaf)] for leaf, _offset in self.leaves]
        self.columns = Columns.join([p.columns for p in parts])
        self.size = searcher.doc_count_all()
        self.live = np.ones(self.size, dtype=bool)
        for leaf, offset in self.leaves:
            deleted = leaf.reader().deleted_docs_set if leaf.reader().has_deletions() else ()
            if deleted:
                self.live[np.fromiter(deleted, np.int64) + offset] = False
        self.deletions = not self.live.all()
        lengths = np.concatenate([p.lengths for p in parts]) if parts else np.zeros(0)
        average = searcher.avg_field_length("text") or 1
        self.norm = K1 * ((1 - B) + B * lengths / average)


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
        self._segments: dict[str, _Segment] = {}
        self._extra: tuple[Iterable[str], _Words] | None = None  # the last vocabulary `correct` was given
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
        attempt = 0
        while True:
            try:
                if recreate or not storage.index_exists(INDEX_NAME):
                    self._ix = storage.create_index(schema(), indexname=INDEX_NAME)
                else:
                    self._ix = storage.open_index(INDEX_NAME)
                return self._ix
            except FileNotFoundError:
                # Another process committed between finding the newest table of contents and reading it
                # (a commit deletes the one before): read the new one.
                attempt += 1
                if attempt == OPEN_ATTEMPTS:
                    raise
                time.sleep(0.01 * attempt)

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
            live[segment_id] = self._segments.get(segment_id) or _Segment(leaf.reader())
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
                writer = self._index().writer(timeout=self.lock_timeout, delay=0.05, limitmb=limitmb,
                                              compound=COMPOUND)
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
        writer = SegmentWriter(ix, _lk=False, limitmb=BUILD_LIMIT_MB, compound=COMPOUND)
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
            docs, scores = self._match(view, query_)
            filters, columns_ = query_.filters, view.columns
            if filters.active():
                keep = passing(columns_, docs, filters)
                kept, kept_scores = docs[keep], scores[keep]
            else:
                kept, kept_scores = docs, scores
            facets = {name: facet(columns_, docs, filters, name) for name in query_.facets}
            start = (max(query_.page, 1) - 1) * query_.per_page
            page = order(columns_, kept, kept_scores, query_, start + query_.per_page)[start:]
            hits = [SearchHit(int(columns_.pid[docnum]), round(score, 4)) for docnum, score in page]
            return SearchResult(hits, len(kept), facets)

    def _match(self, view: _View, query_: SearchQuery) -> tuple[np.ndarray, np.ndarray]:
        """The live documents matching the query's units (document numbers, ascending) and their scores."""
        if not query_.units:
            docs = np.flatnonzero(view.live)
            return docs, np.zeros(len(docs))
        scorer = _Scorer(view, self._postings)
        units = [scorer.unit(u) for u in query_.units]
        if query_.mode is MatchMode.ALL:
            found, score = scorer.both(units)
        else:
            found, score = scorer.either(units)
        docs = np.flatnonzero(found & view.live)
        return docs, score[docs]

    def _postings(self, view: _View, term: str) -> tuple[np.ndarray, np.ndarray]:
        """The term's (document numbers, frequencies) over the whole searcher, deleted documents included."""
        ids, frequencies = [], []
        for leaf, offset in view.leaves:
            found, weights = _leaf_postings(leaf.reader(), term)
            if len(found):
                ids.append(found + offset if offset else found)
                frequencies.append(weights)
        if not ids:
            return _NONE
        if len(ids) == 1:
            return ids[0], frequencies[0]
        return np.concatenate(ids), np.concatenate(frequencies)

    def suggest(self, prefix: str, limit: int = 10) -> list[tuple[str, int]]:
        if not prefix:
            return []
        with self._lock:
            view = self._current()
            counts: dict[str, int] = {}
            # A one-letter prefix on a large index: the first 400 words are enough candidates.
            for words in self._words(view):
                for word, count in words.starting(prefix, 400):
                    counts[word] = counts.get(word, 0) + count
            ranked = sorted(sorted(counts.items())[:400], key=lambda item: (-item[1], len(item[0]), item[0]))
            if view.deletions:  # only the words shown are checked for a live document
                ranked = (item for item in ranked if self._live(view, item[1], item[0], "words"))
            return list(islice(ranked, limit))

    def document_counts(self, terms: Sequence[str]) -> dict[str, int]:
        with self._lock:
            view = self._current()
            reader = view.searcher.reader()
            return {t: self._live(view, reader.doc_frequency("text", t), t, "text") for t in terms}

    def correct(self, words: Sequence[str], vocabulary: Iterable[str] = ()) -> dict[str, str]:
        with self._lock:
            view = self._current()
            if self._extra is None or self._extra[0] is not vocabulary:
                self._extra = (vocabulary, _Words((word, 0) for word in vocabulary))
            extra = self._extra[1]
            corrections = {}
            for word in words:
                if len(word) < 4 or extra.has(word) or self._word_count(view, word):
                    continue
                limit = 1 if len(word) <= 5 else 2
                candidates = {w for found in [*self._words(view), extra] for w in found.near(word, limit)}
                counts = {w: self._word_count(view, w) for w in candidates}
                # Fewest edits, then most documents; a word only removed products had is no correction.
                candidates = {w for w in candidates if counts[w] or extra.has(w)}
                if candidates:
                    corrections[word] = min(candidates, key=lambda w: (OSA.distance(w, word), -counts[w], w))
            return corrections

    def _word_count(self, view: _View, word: str) -> int:
        return self._live(view, sum(words.count(word) for words in self._words(view)), word, "words")

    def _live(self, view: _View, count: int, term: str, field: str) -> int:
        """`count`, Whoosh's count of documents with `term` (it keeps deleted documents until their segment
        is merged), or 0 when no live document has the term (a word only edited-away texts had)."""
        if count and view.deletions and not any(_has_live(leaf.reader(), field, term) for leaf, _ in view.leaves):
            return 0
        return count

    def _words(self, view: _View) -> list[_Words]:
        """Each segment's spelling words (read on first use, kept with the segment)."""
        return [self._segments[_segment_id(leaf)].spelling(leaf.reader()) for leaf, _offset in view.leaves]

    def stamps(self) -> dict[int, str]:
        with self._lock:
            view = self._current()
            found = {}
            for leaf, offset in view.leaves:  # read when asked (reindex, check): not worth memory per worker
                stamps = leaf.reader().column_reader("stamp")
                for docnum in leaf.reader().all_doc_ids():
                    found[int(view.columns.pid[docnum + offset])] = bytes(stamps[docnum]).decode()
            return found

    def count(self) -> int:
        with self._lock:
            return self._current().searcher.doc_count()

    def outdated(self) -> bool:
        with self._lock:
            view = self._current()
            return (_signature(self._index().schema) != _signature(schema())
                    or any(leaf.reader().segment().is_compound() != COMPOUND for leaf, _offset in view.leaves))

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


class _Scorer:
    """Whoosh's BM25F over whole posting lists at once: a part of a query is a pair of arrays over every
    document of the searcher (matches, and scores that are 0 where nothing matched), so a query costs a
    few array operations per term instead of Python calls per posting. Scores equal Whoosh's own (an Or
    adds the scores of the parts that match, an And those of all its parts)."""

    def __init__(self, view: _View, postings) -> None:
        self.view, self.postings = view, postings

    def term_scores(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        ids, frequencies = self.postings(self.view, term)
        if not len(ids):
            return ids, frequencies
        idf = math.log(self.view.size / (len(ids) + 1)) + 1  # len(ids): Whoosh's document frequency
        return ids, idf * ((frequencies * (K1 + 1)) / (frequencies + self.view.norm[ids]))

    def any_term(self, terms: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        found = np.zeros(self.view.size, dtype=bool)
        score = np.zeros(self.view.size)
        for term in dict.fromkeys(terms):
            ids, scores = self.term_scores(term)
            found[ids] = True
            score[ids] += scores  # a term's ids are distinct
        return found, score

    def unit(self, unit: QueryUnit) -> tuple[np.ndarray, np.ndarray]:
        parts = [self.any_term(unit.any_of)] if unit.any_of else []
        if unit.all_of:
            parts.append(self.both([self.any_term(group) for group in unit.all_of]))
        return self.either(parts)

    def both(self, parts: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
        found, score = parts[0][0].copy(), parts[0][1].copy()
        for other_found, other_score in parts[1:]:
            found &= other_found
            score += other_score
        score[~found] = 0.0
        return found, score

    def either(self, parts: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
        if len(parts) == 1:
            return parts[0]
        found, score = parts[0][0].copy(), parts[0][1].copy()
        for other_found, other_score in parts[1:]:
            found |= other_found
            score += other_score
        return found, score


_NONE = (np.zeros(0, dtype=np.int64), np.zeros(0))


def _has_live(reader, field: str, term: str) -> bool:
    """Whether a live document of the segment has the term (the reader's matcher skips deleted ones)."""
    try:
        return reader.postings(field, term).is_active()
    except TermNotFound:
        return False


def _leaf_postings(reader, term: str, field: str = "text") -> tuple[np.ndarray, np.ndarray]:
    """One segment's postings of `term` in `field` as arrays, read block by block."""
    try:
        matcher = reader.postings(field, term)
    except TermNotFound:
        return _NONE
    if isinstance(matcher, FilterMatcher):  # deletions: the view's live mask applies them
        matcher = matcher.child
    ids: list[int] = []
    weights: list[float] = []
    if isinstance(matcher, W3LeafMatcher):
        # A block holds its ids as differences from the previous one (the first from 0) and its weights
        # as None (all 1), one float for all, or one each.
        while matcher.is_active():
            matcher._read_data()  # noqa: SLF001
            deltas, block_weights = matcher._data[0], matcher._data[1]  # noqa: SLF001
            ids.extend(accumulate(deltas))
            if block_weights is None or isinstance(block_weights, float):
                weights.extend(repeat(1.0 if block_weights is None else block_weights, len(deltas)))
            else:
                weights.extend(block_weights)
            matcher._next_block()  # noqa: SLF001
    else:  # postings inlined in the term's entry (a word of a single document)
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
    return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64)


class _Words:
    """A sorted list of words with how many documents have each, for completing a prefix and for finding
    the words a typo is near without looking words up in the index's term file one by one."""

    def __init__(self, counted: Iterable[tuple[str, int]]) -> None:
        pairs = sorted(dict(counted).items())
        self.words = [word for word, _count in pairs]
        self.counts = [count for _word, count in pairs]

    def _range(self, prefix: str) -> tuple[int, int]:
        low = bisect.bisect_left(self.words, prefix)
        return low, bisect.bisect_left(self.words, prefix + "\U0010ffff", low)

    def count(self, word: str) -> int:
        low, high = self._range(word)
        return self.counts[low] if low < high and self.words[low] == word else 0

    def has(self, word: str) -> bool:
        low, high = self._range(word)
        return low < high and self.words[low] == word

    def starting(self, prefix: str, limit: int | None = None) -> list[tuple[str, int]]:
        """The first `limit` words starting with `prefix`, in order, with their counts."""
        low, high = self._range(prefix)
        high = high if limit is None else min(high, low + limit)
        return list(zip(self.words[low:high], self.counts[low:high], strict=True))

    def near(self, word: str, limit: int) -> list[str]:
        """Words with the same first letter at most `limit` edits from `word` (a swap of two neighbouring
        letters is one edit), compared in C: a Levenshtein automaton walked in Python over Whoosh's term
        file cost 40 ms a word at 100,000 products."""
        low, high = self._range(word[:1])
        block = self.words[low:high]
        return [found for found, _edits, _position in
                process.extract(word, block, scorer=OSA.distance, score_cutoff=limit, limit=None)]
