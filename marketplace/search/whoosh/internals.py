"""Every use of Whoosh's private internals, in one place, for the pinned whoosh-reloaded version.

The index reads postings block by block, numeric columns as raw bytes and the scored field's
lengths, and writes segments in build processes under the parent's lock: none of that has a public
Whoosh API. Each access lives here, and importing this module fails on any other Whoosh version, so
an upgrade of the pin is a deliberate review of this file rather than a silent change of scores.
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import whoosh
from whoosh import columns
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.writing import SegmentWriter

PINNED_VERSION = (2, 7, 5)  # whoosh-reloaded, as pinned in requirements.txt

if tuple(whoosh.__version__[:3]) != PINNED_VERSION:
    raise ImportError(
        f"the search index reads whoosh-reloaded {'.'.join(map(str, PINNED_VERSION))} internals, but "
        f"{whoosh.versionstring()} is installed: review marketplace/search/whoosh/internals.py before changing the pin"
    )


def numeric_column(creader, dtype: str, doccount: int) -> np.ndarray:
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


def length_bytes(reader, field: str, doccount: int) -> np.ndarray:
    """A scored field's length per document as Whoosh stores it (a byte on a logarithmic scale)."""
    creader = reader._perdoc.column_reader(f"_{field}_len", LENGTHS_COLUMN)  # noqa: SLF001
    return numeric_column(creader, "u1", doccount)


def posting_blocks(matcher) -> Iterator[tuple[list[int], list[float] | float | None]] | None:
    """A block matcher's blocks as (id differences, weights), or None for a matcher without blocks
    (postings inlined in the term's entry). A block holds its ids as differences from the previous
    one (the first from 0) and its weights as None (all 1), one float for all, or one each."""
    if not isinstance(matcher, W3LeafMatcher):
        return None

    def blocks() -> Iterator[tuple[list[int], list[float] | float | None]]:
        while matcher.is_active():
            matcher._read_data()  # noqa: SLF001
            yield matcher._data[0], matcher._data[1]  # noqa: SLF001
            matcher._next_block()  # noqa: SLF001

    return blocks()


def segment_writer(ix, limitmb: int, compound: bool) -> SegmentWriter:
    """A writer for a new segment of `ix` that takes no lock: the parent process holds the index's
    write lock (Whoosh's own multiprocessing writer opens its sub-writers the same way)."""
    return SegmentWriter(ix, _lk=False, limitmb=limitmb, compound=compound)


def finish_segment(writer: SegmentWriter):
    """The segment `writer` wrote, not yet committed, or None when it wrote nothing. Never cancel()
    such a writer: that removes the temporary folder the other build processes share."""
    if not writer._added:  # noqa: SLF001
        writer._close_segment()  # noqa: SLF001
        return None
    return writer._finalize_segment()  # noqa: SLF001
