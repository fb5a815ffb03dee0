"""Reading a searcher: per-segment columns and lengths (read once), live documents, postings as arrays."""
from __future__ import annotations

from itertools import accumulate, repeat

import numpy as np
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound

from marketplace.search.ranking import CODED, Columns
from marketplace.search.spelling import Words
from marketplace.search.whoosh import internals
from marketplace.search.whoosh.scoring import LENGTHS, length_norms

NONE = (np.zeros(0, dtype=np.int64), np.zeros(0))


class Segment:
    """What a query needs of one segment beside its postings, read once (segments never change)."""

    def __init__(self, reader) -> None:
        size = reader.doc_count_all()
        numbers = {name: internals.numeric_column(reader.column_reader(name), kind, size)
                   for name, kind in (("pid", "i8"), ("price", "i8"), ("published", "i8"), ("flags", "u1"),
                                      ("rating", "u1"), ("reviews", "u4"))
                   if reader.has_column(name)}  # an index an earlier version wrote has no rating columns
        texts = {name: reader.column_reader(name) for name in CODED}
        self.columns = Columns.read(numbers, texts)
        self.lengths = LENGTHS[internals.length_bytes(reader, "text", size)]
        self._spelling: Words | None = None

    def spelling(self, reader) -> Words:
        """The segment's spelling words with their document counts (read on first use)."""
        if self._spelling is None:
            self._spelling = Words((t.decode() if isinstance(t, bytes) else t, info.doc_frequency())
                                   for t, info in reader.iter_field("words"))
        return self._spelling


def segment_id(leaf) -> str | None:
    """The id of a leaf searcher's segment (None for an empty index)."""
    segment = leaf.reader().segment()
    return segment.segment_id() if segment is not None else None


class View:
    """A searcher with every segment's columns joined, indexed like the searcher's document numbers, which
    documents are live (deletions change without the segment changing), and each document's BM25 length
    normalisation for the searcher's average length."""

    def __init__(self, searcher, segments: dict[str, Segment]) -> None:
        self.searcher = searcher
        self.generation = searcher.reader().generation()
        self.leaves: list[tuple[object, int]] = [
            (leaf, offset) for leaf, offset in searcher.leaf_searchers() if segment_id(leaf) is not None
        ]
        parts = [segments[segment_id(leaf)] for leaf, _offset in self.leaves]
        self.columns = Columns.join([p.columns for p in parts])
        self.size = searcher.doc_count_all()
        self.live = np.ones(self.size, dtype=bool)
        for leaf, offset in self.leaves:
            deleted = leaf.reader().deleted_docs_set if leaf.reader().has_deletions() else ()
            if deleted:
                self.live[np.fromiter(deleted, np.int64) + offset] = False
        self.deletions = not self.live.all()
        lengths = np.concatenate([p.lengths for p in parts]) if parts else np.zeros(0)
        self.norm = length_norms(lengths, searcher.avg_field_length("text"))

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """The term's (document numbers, frequencies) over the whole searcher, deleted documents included."""
        ids, frequencies = [], []
        for leaf, offset in self.leaves:
            found, weights = leaf_postings(leaf.reader(), term)
            if len(found):
                ids.append(found + offset if offset else found)
                frequencies.append(weights)
        if not ids:
            return NONE
        if len(ids) == 1:
            return ids[0], frequencies[0]
        return np.concatenate(ids), np.concatenate(frequencies)

    def live_count(self, count: int, term: str, field: str) -> int:
        """`count`, Whoosh's count of documents with `term` (it keeps deleted documents until their segment
        is merged), or 0 when no live document has the term (a word only edited-away texts had)."""
        if count and self.deletions and not any(has_live(leaf.reader(), field, term) for leaf, _ in self.leaves):
            return 0
        return count


def has_live(reader, field: str, term: str) -> bool:
    """Whether a live document of the segment has the term (the reader's matcher skips deleted ones)."""
    try:
        return reader.postings(field, term).is_active()
    except TermNotFound:
        return False


def leaf_postings(reader, term: str, field: str = "text") -> tuple[np.ndarray, np.ndarray]:
    """One segment's postings of `term` in `field` as arrays, read block by block."""
    try:
        matcher = reader.postings(field, term)
    except TermNotFound:
        return NONE
    if isinstance(matcher, FilterMatcher):  # deletions: the view's live mask applies them
        matcher = matcher.child
    ids: list[int] = []
    weights: list[float] = []
    blocks = internals.posting_blocks(matcher)
    if blocks is not None:
        for deltas, block_weights in blocks:
            ids.extend(accumulate(deltas))
            if block_weights is None or isinstance(block_weights, float):
                weights.extend(repeat(1.0 if block_weights is None else block_weights, len(deltas)))
            else:
                weights.extend(block_weights)
    else:  # postings inlined in the term's entry (a word of a single document)
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
    return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64)
