"""WhooshIndex: the SearchIndex Protocol over a Whoosh index (searching, suggestions, corrections)."""
from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from itertools import islice

import numpy as np

from marketplace.search.port import MatchMode, SearchDocument, SearchHit, SearchQuery, SearchResult
from marketplace.search.ranking import facet, order, passing
from marketplace.search.spelling import Words, distance
from marketplace.search.whoosh import storage
from marketplace.search.whoosh.postings import Segment, View, segment_id
from marketplace.search.whoosh.scoring import Scorer
from marketplace.search.whoosh.writing import Writer


class WhooshIndex:
    """A Whoosh index in a folder (or in memory for `path == "memory"`)."""

    def __init__(self, path: str, lock_timeout: float = 2.0, write_attempts: int = 15,
                 refresh_seconds: float = 1.0, build_processes: int = 1) -> None:
        self.path = path
        self.refresh_seconds = refresh_seconds
        self._store = storage.Store(path)
        self._writer = Writer(path, self._index, self._invalidate, lock_timeout=lock_timeout,
                              write_attempts=write_attempts, build_processes=build_processes)
        self._view: View | None = None
        self._segments: dict[str, Segment] = {}
        self._extra: tuple[Iterable[str], Words] | None = None  # the last vocabulary `correct` was given
        self._checked_at = 0.0
        self._lock = threading.RLock()  # searching is CPU-bound Python: one search at a time per process

    @property
    def build_processes(self) -> int:
        """How many processes write a large full rebuild."""
        return self._writer.build_processes

    @build_processes.setter
    def build_processes(self, processes: int) -> None:
        self._writer.build_processes = processes

    # --- opening -----------------------------------------------------------------------------

    def _index(self):
        if self._store.needs_open():
            self._close_view()
            self._store.open()
        return self._store.ix

    def _close_view(self) -> None:
        if self._view is not None:
            self._view.searcher.close()
            self._view = None

    def _current(self) -> View:
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
            except storage.EMPTY_INDEX_ERRORS:
                self._close_view()
                searcher = self._store.reopen_after_failure().searcher()
            self._view = self._view_for(searcher)
            return self._view

    def _view_for(self, searcher) -> View:
        live = {}
        for leaf, _offset in searcher.leaf_searchers():
            found = segment_id(leaf)
            if found is None:  # an empty index
                continue
            live[found] = self._segments.get(found) or Segment(leaf.reader())
        self._segments = live
        return View(searcher, live)

    def _invalidate(self) -> None:
        self._checked_at = 0.0

    # --- writing -----------------------------------------------------------------------------

    def index(self, documents: Sequence[SearchDocument]) -> None:
        self._writer.index(documents)

    def remove(self, ids: Iterable[int]) -> None:
        self._writer.remove(ids)

    def rebuild(self, documents: Iterable[SearchDocument]) -> int:
        with self._lock:
            self._close_view()
            self._store.prepare_rebuild()
        return self._writer.rebuild(documents, in_memory=self._store.in_memory)

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

    def _match(self, view: View, query_: SearchQuery) -> tuple[np.ndarray, np.ndarray]:
        """The live documents matching the query's units (document numbers, ascending) and their scores."""
        if not query_.units:
            docs = np.flatnonzero(view.live)
            return docs, np.zeros(len(docs))
        scorer = Scorer(view, View.postings)
        units = [scorer.unit(u) for u in query_.units]
        if query_.mode is MatchMode.ALL:
            found, score = scorer.both(units)
        else:
            found, score = scorer.either(units)
        docs = np.flatnonzero(found & view.live)
        return docs, score[docs]

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
                ranked = (item for item in ranked if view.live_count(item[1], item[0], "words"))
            return list(islice(ranked, limit))

    def document_counts(self, terms: Sequence[str]) -> dict[str, int]:
        with self._lock:
            view = self._current()
            reader = view.searcher.reader()
            return {t: view.live_count(reader.doc_frequency("text", t), t, "text") for t in terms}

    def correct(self, words: Sequence[str], vocabulary: Iterable[str] = ()) -> dict[str, str]:
        with self._lock:
            view = self._current()
            if self._extra is None or self._extra[0] is not vocabulary:
                self._extra = (vocabulary, Words((word, 0) for word in vocabulary))
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
                    corrections[word] = min(candidates, key=lambda w: (distance(w, word), -counts[w], w))
            return corrections

    def _word_count(self, view: View, word: str) -> int:
        return view.live_count(sum(words.count(word) for words in self._words(view)), word, "words")

    def _words(self, view: View) -> list[Words]:
        """Each segment's spelling words (read on first use, kept with the segment)."""
        return [self._segments[segment_id(leaf)].spelling(leaf.reader()) for leaf, _offset in view.leaves]

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
            return (self._store.schema_outdated()
                    or any(leaf.reader().segment().is_compound() != storage.COMPOUND for leaf, _offset in view.leaves))

    def version(self) -> str:
        with self._lock:
            return f"{id(self._store.ix)}:{self._current().generation}"
