"""Engine settings that keep SQLite honest and usable by several processes."""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine


def configure_sqlite(engine: Engine) -> None:
    """Enforce foreign keys, wait for locks instead of failing, and use WAL for concurrent readers."""

    @event.listens_for(engine, "connect")
    def set_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001 - DB-API objects are untyped
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
