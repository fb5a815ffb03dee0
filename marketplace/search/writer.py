"""The single writer path: every index change is "refresh these product ids from the database".

A refresh reads the products' current rows and indexes the visible ones, removing the rest, so it is
idempotent and order-free: two workers refreshing the same product can only both write the truth.
With `REDIS_URL` set, refreshes go to an RQ queue and one `flask search worker` applies them. Without
it, on PostgreSQL (`SEARCH_BACKEND=postgres`) a refresh is applied at once in one transaction, and kept
in the database for the next writer when a rebuild holds the index (postgres/pending.py); with Whoosh
(the embedded setup), a refresh is first written to a spool folder beside the index and then
applied under Whoosh's write lock (waited for, with retries); whoever holds the lock drains the
whole spool before leaving, so an update whose worker gave up waiting is applied by the next writer,
and never lost.
"""
from __future__ import annotations

import logging
import os
import secrets
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from flask import Flask

from marketplace.core import jobs
from marketplace.search.port import IndexBusy

log = logging.getLogger(__name__)
SPOOL_FOLDER = "pending"
MAX_SPOOL_BATCH = 500  # files drained per commit


def spool_dir(app: Flask) -> Path | None:
    """Where pending refreshes wait (None for an in-memory index, which has one writer anyway, and for the
    PostgreSQL index, whose pending refreshes wait in the database)."""
    folder = app.config["SEARCH_INDEX_DIR"]
    return None if folder == "memory" or in_database(app) else Path(folder) / SPOOL_FOLDER


def in_database(app: Flask) -> bool:
    """Whether the index lives in the application's database (`SEARCH_BACKEND=postgres`)."""
    return app.config.get("SEARCH_BACKEND") == "postgres"


def drain_pending(app: Flask, apply: Callable[[set[int]], None]) -> None:
    """Apply every refresh that found the index busy (after a rebuild, which holds it throughout)."""
    if in_database(app):
        from marketplace.extensions import db
        from marketplace.search.postgres import pending

        pending.drain(db.engine, apply)
        return
    folder = spool_dir(app)
    if folder is not None:
        drain(folder, apply)


def submit(app: Flask, product_ids: Iterable[int], apply: Callable[[set[int]], None]) -> None:
    """Refresh `product_ids` in the index: queued when Redis is configured, else spooled and applied now."""
    ids = {int(i) for i in product_ids}
    if not ids:
        return
    if app.config.get("SEARCH_QUEUE") == "rq":
        try:
            enqueue(app, ids, apply)
            return
        except Exception:  # noqa: BLE001 - Redis down: fall back to writing here rather than losing it
            log.exception("search: could not queue a refresh; applying it in this process")
    if in_database(app):
        from marketplace.extensions import db
        from marketplace.search.postgres import pending

        pending.submit(db.engine, ids, apply)
        return
    folder = spool_dir(app)
    if folder is None:
        apply(ids)
        return
    write_spool(folder, ids)
    drain(folder, apply)


def write_spool(folder: Path, ids: set[int]) -> Path:
    """Record a pending refresh atomically (written aside, then renamed into the folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(4)}"
    temporary = folder / f".{name}.tmp"
    temporary.write_text(",".join(map(str, sorted(ids))))
    final = folder / f"{name}.ids"
    temporary.rename(final)
    return final


def pending(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.ids")) if folder.exists() else []


def drain(folder: Path, apply: Callable[[set[int]], None]) -> int:
    """Apply every spooled refresh, oldest first, until the spool is empty; returns how many were applied.

    When the index stays busy (another writer kept the lock through every attempt), the files stay for
    that writer, or the next, to apply: the caller's change is committed and must not fail for it.
    """
    applied = 0
    while True:
        files = pending(folder)[:MAX_SPOOL_BATCH]
        if not files:
            return applied
        ids: set[int] = set()
        readable = []
        for path in files:
            try:
                ids |= {int(i) for i in path.read_text().split(",") if i.strip()}
                readable.append(path)
            except FileNotFoundError:
                continue  # another writer applied it meanwhile
        try:
            apply(ids)
        except IndexBusy:
            log.warning("search: the index stayed busy; %d refreshes wait in the spool for the next writer",
                        len(pending(folder)))
            return applied
        for path in readable:
            path.unlink(missing_ok=True)
        applied += len(readable)


# --- RQ ----------------------------------------------------------------------------------------

SEARCH_JOB = jobs.Policy(timeout=600)


def queue_name(app: Flask) -> str:
    """The queue index refreshes go to, worked by the one `flask search worker`."""
    return app.config.get("SEARCH_RQ_QUEUE", "search")


def enqueue(app: Flask, ids: set[int], apply: Callable[[set[int]], None]) -> None:
    """Queue `apply(ids)`; `apply` must be a job (`marketplace.core.jobs.job`) the worker can import."""
    jobs.enqueue(app, apply, sorted(ids), queue_name=queue_name(app), policy=SEARCH_JOB)
