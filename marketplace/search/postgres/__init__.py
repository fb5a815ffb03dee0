"""The PostgreSQL implementation of SearchIndex (`SEARCH_BACKEND=postgres`): one index in the database,
shared by every web machine, written through the same after-commit refresh path as Whoosh's.

Modules: `models` (the tables), `writing` (changes and rebuilds under one advisory lock, with the term
counts beside the documents), `pending` (refreshes that found the index busy, kept in the database for
the next writer) and `index` (the SearchIndex itself).
"""
from marketplace.search.postgres.index import PostgresIndex

__all__ = ["PostgresIndex"]
