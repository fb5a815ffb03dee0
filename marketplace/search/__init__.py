"""Search: a SearchIndex chosen by config (`SEARCH_BACKEND`), reached through `get_search_index()`."""
from __future__ import annotations

import threading

from flask import Flask, current_app

from marketplace.search.port import SearchIndex


def _whoosh_index(app: Flask) -> SearchIndex:
    from marketplace.search.bulk import default_processes
    from marketplace.search.whoosh import WhooshIndex

    return WhooshIndex(
        app.config["SEARCH_INDEX_DIR"],
        lock_timeout=app.config.get("SEARCH_LOCK_TIMEOUT", 2.0),
        refresh_seconds=app.config.get("SEARCH_REFRESH_SECONDS", 1.0),
        build_processes=app.config.get("SEARCH_BUILD_PROCESSES") or default_processes(),
    )


def _postgres_index(app: Flask) -> SearchIndex:
    from marketplace.extensions import db
    from marketplace.search.postgres import PostgresIndex

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        raise RuntimeError("SEARCH_BACKEND=postgres needs DATABASE_URL to be a PostgreSQL database "
                           "(it keeps the index in the application's database); use SEARCH_BACKEND=whoosh "
                           "with SQLite")

    engines = []

    def engine():
        if not engines:  # the application's engine (and pool), made when the app was: looked up once
            with app.app_context():
                engines.append(db.engine)
        return engines[0]

    return PostgresIndex(engine, lock_timeout=app.config.get("SEARCH_LOCK_TIMEOUT", 2.0))


SEARCH_BACKENDS = {"whoosh": _whoosh_index, "postgres": _postgres_index}


def init_app(app: Flask) -> None:
    import marketplace.search.postgres.models  # noqa: F401 - registers the tables (one schema for every backend)

    name = app.config["SEARCH_BACKEND"]
    if name not in SEARCH_BACKENDS:
        raise RuntimeError(f"SEARCH_BACKEND must be one of {', '.join(SEARCH_BACKENDS)}")
    app.extensions["search_index"] = SEARCH_BACKENDS[name](app)
    if app.config.get("SEARCH_WARM_UP"):
        # The glossary takes a second or two to load: do it beside the first requests, not in one.
        # jieba is left to the first Chinese text (a fraction of a second): a worker that never
        # sees one never spends its 20 MB.
        threading.Thread(target=_warm_up, name="search-warm-up", daemon=True).start()


def _warm_up() -> None:
    from marketplace.search.glossary import get_glossary

    get_glossary()


def get_search_index() -> SearchIndex:
    """The application's search index."""
    return current_app.extensions["search_index"]
