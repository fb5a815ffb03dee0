"""Engine settings that keep SQLite honest and usable by several processes, bounded waits for locks on
both databases, and telling "the database is unavailable just now" apart from a bug."""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

# SQLite result codes that mean "busy or unreachable for now", not "this statement is wrong".
SQLITE_UNAVAILABLE = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_FULL",
                      "SQLITE_PROTOCOL", "SQLITE_INTERRUPT")


def configure_sqlite(engine: Engine, lock_timeout_seconds: float = 5.0) -> None:
    """Enforce foreign keys, wait at most `lock_timeout_seconds` for a lock, and use WAL for concurrent readers."""
    busy_timeout = max(0, int(lock_timeout_seconds * 1000))

    @event.listens_for(engine, "connect")
    def set_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001 - DB-API objects are untyped
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def engine_options(url: str, options: dict, lock_timeout_seconds: float, statement_timeout_seconds: float) -> dict:
    """`options` plus a connection check before each use and, on PostgreSQL, server-side lock and statement limits."""
    merged = {"pool_pre_ping": True, **options}
    if url.startswith("postgresql"):
        settings = [f"-c lock_timeout={int(lock_timeout_seconds * 1000)}"]
        if statement_timeout_seconds > 0:
            settings.append(f"-c statement_timeout={int(statement_timeout_seconds * 1000)}")
        connect_args = dict(merged.get("connect_args", {}))
        connect_args.setdefault("connect_timeout", max(1, int(lock_timeout_seconds)))
        existing = connect_args.get("options", "")
        connect_args["options"] = " ".join(filter(None, [existing, *settings]))
        merged["connect_args"] = connect_args
    return merged


def is_database_unavailable(error: BaseException) -> bool:
    """Whether `error` means the database cannot serve now (lock wait over, connection lost, server
    shutting down, pool exhausted) rather than a fault in the statement; such requests may be retried."""
    if isinstance(error, PoolTimeout):
        return True
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    if not isinstance(error, OperationalError):
        return False
    name = getattr(error.orig, "sqlite_errorname", None)
    if name is not None:  # SQLite also reports "no such table" and syntax errors as OperationalError
        return name.startswith(SQLITE_UNAVAILABLE)
    return True  # psycopg: lost connections, admin shutdown, lock and statement timeouts, deadlocks
