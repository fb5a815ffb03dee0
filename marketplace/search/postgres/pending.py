"""Refreshes that found the PostgreSQL index busy, kept in the database until a writer applies them.

The database counterpart of the Whoosh spool folder, shared by every machine: a refresh is applied at
once; when the index stays locked (a full rebuild holds the lock), its ids are stored in
`search_pending`, and every writer, after its own change, applies whatever waits there. A refresh is
idempotent (it re-reads the products), so two writers applying the same row only both write the truth.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import Engine, text

from marketplace.search.port import IndexBusy

log = logging.getLogger(__name__)
MAX_ROWS = 500  # pending rows applied per change


def submit(engine: Engine, ids: set[int], apply: Callable[[set[int]], None]) -> None:
    """Apply the refresh of `ids` now, or keep it for the next writer when the index is busy; then apply
    what earlier writers left."""
    try:
        apply(ids)
    except IndexBusy:
        record(engine, ids)
        log.warning("search: the index stayed busy; the refresh of %d products waits for the next writer", len(ids))
        return
    drain(engine, apply)


def record(engine: Engine, ids: set[int]) -> None:
    """Keep a refresh of `ids` for the next writer."""
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO search_pending (product_ids) VALUES (:ids)"),
                           {"ids": ",".join(map(str, sorted(ids)))})


def waiting(engine: Engine) -> int:
    """How many refreshes wait."""
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM search_pending")).scalar_one())


def drain(engine: Engine, apply: Callable[[set[int]], None]) -> int:
    """Apply every waiting refresh, oldest first; returns how many were applied (the rest stay when the
    index is busy)."""
    applied = 0
    while True:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT id, product_ids FROM search_pending ORDER BY id LIMIT :n"),
                                      {"n": MAX_ROWS}).all()
        if not rows:
            return applied
        try:
            apply({int(i) for _id, ids in rows for i in ids.split(",") if i})
        except IndexBusy:
            return applied
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM search_pending WHERE id = ANY(:ids)"), {"ids": [r[0] for r in rows]})
        applied += len(rows)
