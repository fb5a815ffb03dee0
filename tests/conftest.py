"""Fixtures: an app per database backend, schema made once per session, tables emptied per test.

Every test that uses `app` runs on SQLite, and also on PostgreSQL when TEST_DATABASE_URL is set.
When it is set and the server cannot be reached, the tests fail: CI must never pass by skipping.
"""
from __future__ import annotations

import contextvars
import os

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from config import TestingConfig, _database_url
from marketplace import create_app
from marketplace.extensions import db, limiter
from tests.services import ci_redis

pytest_plugins = ["tests.factories"]

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def backend_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    url = _database_url(os.environ["TEST_DATABASE_URL"])
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to connect must fail the run
        pytest.fail(f"TEST_DATABASE_URL is set but PostgreSQL cannot be reached: {exc}", pytrace=False)
    finally:
        engine.dispose()
    return url


class IsolatedClient(FlaskClient):
    """A test client whose requests run in their own app context, like real requests do.

    Tests keep an app context open for factories and queries; without this, Flask would reuse it
    for the client's requests and share `g` (and the logged-in user) between them.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session", params=BACKENDS)
def app_session(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    media = tmp_path_factory.mktemp("media")
    private = tmp_path_factory.mktemp("private")

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = backend_url(request.param, tmp_path_factory)
        MEDIA_ROOT = str(media)
        PRIVATE_UPLOAD_DIR = str(private)
        SEARCH_INDEX_DIR = str(tmp_path_factory.mktemp("search-index"))

    app = create_app(Config)
    app.test_client_class = IsolatedClient
    app.config["BACKEND"] = request.param
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def empty_tables() -> None:
    from marketplace.search import get_search_index

    index = get_search_index()
    if index.count():  # products a test published were indexed; the next test starts with none
        index.rebuild([])
    db.session.remove()
    with db.engine.begin() as connection:
        if db.engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())


@pytest.fixture
def app(app_session):
    with app_session.app_context():
        yield app_session
        empty_tables()


@pytest.fixture
def make_app(app):
    """Another app on the same database, with some settings changed (CSRF on, rate limits on …)."""
    made = []

    def make(**settings):
        config = type("Config", (TestingConfig,), {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "MEDIA_ROOT": app.config["MEDIA_ROOT"],
            "PRIVATE_UPLOAD_DIR": app.config["PRIVATE_UPLOAD_DIR"],
            **settings,
        })
        # The one Limiter object keeps the first key prefix any app gave it (Flask-Limiter's init_app), which
        # would let counts in a shared Redis carry from one test to the next: each app starts from its own.
        limiter._key_prefix = ""  # noqa: SLF001
        other = create_app(config)
        other.test_client_class = IsolatedClient
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


RATE_LIMIT_STORES = ["memory"] + (["redis"] if os.environ.get("TEST_REDIS_URL") else [])


@pytest.fixture(params=RATE_LIMIT_STORES)
def rate_limit_storage(request) -> str:
    """A storage URI for rate limits: memory, and the CI Redis when TEST_REDIS_URL is set (never skipped)."""
    if request.param == "memory":
        return "memory://"
    return ci_redis()[0]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
