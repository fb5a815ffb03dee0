"""The Whoosh implementation of SearchIndex: the only package that imports whoosh.

Performance design (100,000 products): one scored field (`text`, pre-analysed terms, names repeated
for the title boost, concept tokens in place of per-language fields) and one field for spelling and
suggestions (`words`). Whoosh stores the postings and segments and writes them; queries do not go
through its matchers (Python calls per posting: 90-130 ms at the 95th percentile on 100,000
products) but read each term's posting list as arrays and score them with the same BM25F in numpy.
Filters, facets, sorting and boosts use per-segment column arrays held in memory (ranking.py),
loaded once per segment (segments never change; deletions are a per-searcher mask). Spelling
corrections compare the typed word with the segment's words in C (rapidfuzz). The searcher is shared
and refreshed when the index changes. Writers take Whoosh's file lock with a timeout and retry
(single-writer path: search/writer.py). A large full rebuild is written by forked processes, one
segment each, committed together under the parent's lock (search/bulk.py), as Whoosh's own
multiprocessing writer does.

Modules: `storage` (schema, opening), `writing` (changes and rebuilds), `postings` (reading a
searcher as arrays), `scoring` (BM25F in numpy), `index` (the SearchIndex itself) and `internals`,
the one module that touches Whoosh's private internals, checked against the pinned version. Words for
suggestions and corrections are in `search/spelling.py`, shared with the PostgreSQL backend.
"""
from marketplace.search.whoosh.index import WhooshIndex

__all__ = ["WhooshIndex"]
