"""Writing the index: single changes under Whoosh's file lock with retries, full rebuilds (in several
processes for large catalogues, one segment each, committed together under the parent's lock)."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain, islice

from whoosh.index import LockError
from whoosh.writing import CLEAR

from marketplace.search import bulk
from marketplace.search.port import IndexBusy, SearchDocument
from marketplace.search.ranking import CAMPAIGN, FESTIVAL
from marketplace.search.whoosh import internals, storage

# Rebuilds keep a writer's postings in memory up to this size before sorting them through temporary
# files (Whoosh's default, 128 MB, spilled a 10,000-product rebuild to disk and doubled its time).
BUILD_LIMIT_MB = 384
# Smaller rebuilds are written by one process into one segment: as fast below this size (10,000
# products: 15 s either way on 2 cores), and a second segment costs every spelling correction.
PARALLEL_MIN_DOCUMENTS = 25_000
BUILD_BATCH = 250  # documents handed to a build process at a time


def fields(document: SearchDocument) -> dict:
    """A document as the index's stored fields."""
    flags = (CAMPAIGN if document.campaign else 0) | (FESTIVAL if document.in_festival else 0)
    return {
        "id": str(document.id),
        # Names count twice: the title boost without a second field to query.
        "text": " ".join(document.title + document.title + document.text),
        "words": " ".join(sorted(set(document.words))),
        "pid": document.id, "price": document.price, "published": document.published, "flags": flags,
        "rating": document.rating, "reviews": document.reviews,
        "country": document.country.encode(), "category": document.category.encode(),
        "price_band": document.price_band.encode(), "langs": ",".join(document.languages).encode(),
        "stamp": document.stamp.encode(),
    }


class Writer:
    """Commits changes to the index `open_index()` returns, then calls `committed()`."""

    def __init__(self, path: str, open_index: Callable[[], object], committed: Callable[[], None],
                 lock_timeout: float, write_attempts: int, build_processes: int) -> None:
        self.path = path
        self.open_index = open_index
        self.committed = committed
        self.lock_timeout = lock_timeout
        self.write_attempts = write_attempts
        self.build_processes = build_processes

    def write(self, apply, clear: bool = False, limitmb: int = 128, rebuilding: bool = False) -> None:
        """Run `apply(writer)` and commit, retrying while another process holds the lock; `clear` drops every
        segment. When `rebuilding`, segments `apply` returns (written by other processes) replace all others.

        :raise IndexBusy: when the lock stayed taken through every attempt.
        """
        for attempt in range(self.write_attempts):
            try:
                writer = self.open_index().writer(timeout=self.lock_timeout, delay=0.05, limitmb=limitmb,
                                                  compound=storage.COMPOUND)
            except LockError as exc:
                if attempt == self.write_attempts - 1:
                    raise IndexBusy(f"the index at {self.path} stayed locked") from exc
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
            self.committed()
            return

    def index(self, documents: Sequence[SearchDocument]) -> None:
        """Add or replace `documents`."""
        if documents:
            self.write(lambda writer: [writer.update_document(**fields(d)) for d in documents])

    def remove(self, ids: Iterable[int]) -> None:
        """Remove the documents with these ids."""
        ids = list(ids)
        if ids:
            self.write(lambda writer: [writer.delete_by_term("id", str(i)) for i in ids])

    def rebuild(self, documents: Iterable[SearchDocument], in_memory: bool) -> int:
        """Replace the whole index with `documents`; how many were written."""
        documents, count = iter(documents), 0

        def fill(writer) -> list | None:
            nonlocal count
            # Read while holding the index's write lock, so no refresh can commit in between.
            head = list(islice(documents, PARALLEL_MIN_DOCUMENTS))
            if (self.build_processes > 1 and not in_memory and len(head) == PARALLEL_MIN_DOCUMENTS
                    and bulk.fork_available()):
                count, segments = self._write_in_processes(chain(head, documents))
                return segments
            for document in chain(head, documents):
                writer.add_document(**fields(document))
                count += 1
            return None

        self.write(fill, clear=True, limitmb=BUILD_LIMIT_MB, rebuilding=True)
        return count

    def _write_in_processes(self, documents: Iterator[SearchDocument]) -> tuple[int, list]:
        """Write `documents` with several processes, one new segment each; (count, segments)."""
        count = 0

        def batches() -> Iterator[list[dict]]:
            nonlocal count
            while batch := list(islice(documents, BUILD_BATCH)):
                count += len(batch)
                yield [fields(d) for d in batch]

        written = bulk.run_in_workers(batches(), self._write_segment, self.build_processes)
        return count, [s for s in written if s is not None]

    def _write_segment(self, batches: Iterator[list[dict]]):
        """In a build process: write the batches' documents into a new segment, not yet committed."""
        writer = internals.segment_writer(storage.open_folder(self.path), BUILD_LIMIT_MB, storage.COMPOUND)
        for batch in batches:
            for document_fields in batch:
                writer.add_document(**document_fields)
        return internals.finish_segment(writer)
