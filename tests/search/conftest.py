"""Search fixtures: every search test runs against each search backend.

`app` (the suite's fixture) is built here from an `app_session` per (database, search backend): SQLite
with Whoosh, and when TEST_DATABASE_URL is set, PostgreSQL with Whoosh and PostgreSQL with the
PostgreSQL index. PostgreSQL sessions of this folder live in a schema of their own, so they never touch
the tables of the suite's other PostgreSQL app. `demo_app` is the demo campaign seeded and indexed once
per backend, for the relevance tests.
"""
from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, create_engine, text

from config import TestingConfig
from marketplace import create_app
from marketplace.extensions import db
from tests.conftest import IsolatedClient, backend_url

POSTGRES = bool(os.environ.get("TEST_DATABASE_URL"))
SEARCH_SESSIONS = [("sqlite", "whoosh")] + ([("postgresql", "whoosh"), ("postgresql", "postgres")] if POSTGRES else [])
DEMO_BACKENDS = ["whoosh"] + (["postgres"] if POSTGRES else [])


def pytest_configure(config):
    config.addinivalue_line("markers", "whoosh_only: tests of how the Whoosh index is stored and built "
                                       "(folders, lock files, segments); not run with the PostgreSQL index")


def pytest_collection_modifyitems(config, items):
    """Leave out the Whoosh-only tests' runs on the PostgreSQL index (deselected, not skipped)."""
    kept, dropped = [], []
    for item in items:
        session = getattr(item, "callspec", None) and item.callspec.params.get("app_session")
        (dropped if item.get_closest_marker("whoosh_only") and session and session[1] != "whoosh" else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@contextmanager
def own_schema(tmp_path_factory):
    """Engine options putting an app's tables in a new PostgreSQL schema, dropped afterwards."""
    url = backend_url("postgresql", tmp_path_factory)
    schema = f"search_{uuid.uuid4().hex[:10]}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield url, {"connect_args": {"options": f"-csearch_path={schema},public"}}
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


SEARCH_TABLES = ("search_documents", "search_terms", "search_pending", "search_state")


@dataclass(frozen=True)
class SearchTables:
    engine: Engine
    url: str
    options: dict


@pytest.fixture(scope="session")
def search_tables(tmp_path_factory) -> SearchTables:
    """An engine whose search path is a new PostgreSQL schema holding only the search tables."""
    from marketplace.search.postgres import models  # noqa: F401 - the tables

    with own_schema(tmp_path_factory) as (url, options):
        engine = create_engine(url, **options)
        db.metadata.create_all(engine, tables=[db.metadata.tables[name] for name in SEARCH_TABLES])
        yield SearchTables(engine, url, options)
        engine.dispose()


@pytest.fixture
def postgres_index(search_tables):
    """An empty PostgresIndex on the search tables."""
    from marketplace.search.postgres import PostgresIndex

    with search_tables.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(SEARCH_TABLES)}"))
    return PostgresIndex(lambda: search_tables.engine, lock_timeout=0.2)


@pytest.fixture(scope="session", params=SEARCH_SESSIONS, ids=lambda p: f"{p[0]}-{p[1]}")
def app_session(request, tmp_path_factory):
    database, search_backend = request.param
    with own_schema(tmp_path_factory) if database == "postgresql" else _sqlite(tmp_path_factory) as (url, options):
        class Config(TestingConfig):
            SQLALCHEMY_DATABASE_URI = url
            SQLALCHEMY_ENGINE_OPTIONS = options
            MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))
            PRIVATE_UPLOAD_DIR = str(tmp_path_factory.mktemp("private"))
            SEARCH_INDEX_DIR = str(tmp_path_factory.mktemp("search-index"))
            SEARCH_BACKEND = search_backend

        app = create_app(Config)
        app.test_client_class = IsolatedClient
        app.config["BACKEND"] = database
        with app.app_context():
            db.create_all()
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@contextmanager
def _sqlite(tmp_path_factory):
    yield backend_url("sqlite", tmp_path_factory), {}


@pytest.fixture(scope="session", params=DEMO_BACKENDS)
def demo_app(request, tmp_path_factory):
    """An app with the demo seed (100 stores, 1,000 products) and a built index: Whoosh on SQLite, and the
    PostgreSQL index on PostgreSQL when TEST_DATABASE_URL is set."""
    import campaigns.demo.seed as seed
    from marketplace.search.services import rebuild_index

    folder = tmp_path_factory.mktemp("demo")
    postgres = request.param == "postgres"
    with own_schema(tmp_path_factory) if postgres else _sqlite(tmp_path_factory) as (url, options):
        class Config(TestingConfig):
            SQLALCHEMY_DATABASE_URI = url if postgres else f"sqlite:///{folder / 'demo.db'}"
            SQLALCHEMY_ENGINE_OPTIONS = options
            MEDIA_ROOT = str(folder / "media")
            PRIVATE_UPLOAD_DIR = str(folder / "private")
            SEARCH_INDEX_DIR = str(folder / "index")
            SEARCH_BACKEND = request.param

        app = create_app(Config)
        with pytest.MonkeyPatch.context() as patch, app.app_context():
            patch.setattr(seed, "DISTINCT_PICTURES", 8)  # pictures are not what this tests; drawing 1,000 is slow
            db.create_all()
            seed.seed_demo(stores=100, products=1000)
            rebuild_index(full=True)
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
