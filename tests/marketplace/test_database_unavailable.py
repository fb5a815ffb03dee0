"""A database that cannot answer (a lock held too long, connections cut by the server) gives a 503 the
shopper can retry, in the page's language or as API JSON, never a 500; error pages never query."""
from __future__ import annotations

import sqlite3

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.models import Role, User
from marketplace.extensions import db
from tests.factories import PASSWORD


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


@pytest.fixture
def quick_app(app, make_app):
    """The same database with a short lock wait, errors handled as in production (not raised to the test)."""
    return make_app(DATABASE_LOCK_TIMEOUT=0.2, PROPAGATE_EXCEPTIONS=False)


@pytest.fixture
def held_write_lock(app):
    """Another connection holding SQLite's write lock, as a long transaction of another process would."""
    if app.config["BACKEND"] != "sqlite":
        pytest.skip("SQLite's database-wide write lock")
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    db.session.remove()
    holder = sqlite3.connect(path, isolation_level=None, timeout=5)
    holder.execute("BEGIN IMMEDIATE")
    yield holder
    holder.rollback()
    holder.close()


def test_locked_sqlite_gives_a_503_page_in_the_page_language(quick_app, held_write_lock):
    client = quick_app.test_client()
    form = {"email": "ama@example.com", "display_name": "Ama", "password": PASSWORD, "confirm": PASSWORD}
    response = client.post("/fr/account/signup", data=form)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    page = response.get_data(as_text=True)
    assert "La boutique ne peut pas répondre à cette demande pour le moment" in page
    assert '<html lang="fr"' in page
    held_write_lock.rollback()
    assert user_count(quick_app) == 0, "nothing was written"
    assert client.post("/fr/account/signup", data=form).status_code == 302, "the retry succeeds"
    assert user_count(quick_app) == 1


def test_locked_sqlite_gives_a_503_json_error_on_the_api(quick_app, held_write_lock):
    response = quick_app.test_client().post("/api/v1/auth/register", json={
        "email": "ama@example.com", "password": PASSWORD, "display_name": "Ama", "name": "phone", "language": "zh"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.is_json
    error = response.get_json()["error"]
    assert error["code"] == "service_unavailable" and error["fields"] == {}
    assert error["message"] == "商店暂时无法响应此请求。未做任何更改：请几秒钟后重试。", "in the request's language"


def terminate_other_connections(app) -> int:
    """Cut every other connection to the test database, as a failover or an administrator would."""
    url = app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as admin:
        rows = admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             "WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchall()
    return len(rows)


@pytest.fixture
def postgresql_only(app):
    if app.config["BACKEND"] != "postgresql":
        pytest.skip("PostgreSQL's server-side connections")


def test_terminated_connections_are_replaced_before_use(postgresql_only, make_app, make_product):
    make_product(name="Kente stole")
    client = make_app(PROPAGATE_EXCEPTIONS=False).test_client()
    assert client.get("/fr/categories/").status_code == 200  # the pool now holds a connection
    assert terminate_other_connections(client.application) >= 1
    response = client.get("/fr/categories/")
    assert response.status_code == 200, "the pool's check replaced the dead connection"


def test_a_connection_cut_mid_use_gives_503_then_recovers(postgresql_only, make_app, make_product, make_user):
    make_product(name="Kente stole")
    make_user(role=Role.SHOPPER, email="li@example.com")
    other = make_app(PROPAGATE_EXCEPTIONS=False, SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": False})
    client = other.test_client()
    assert client.get("/fr/categories/").status_code == 200
    terminate_other_connections(other)
    response = client.get("/fr/categories/")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "La boutique ne peut pas répondre" in response.get_data(as_text=True)
    assert client.get("/fr/categories/").status_code == 200, "the dead connection was dropped"

    terminate_other_connections(other)
    response = client.post("/api/v1/auth/token", json={"email": "li@example.com", "password": PASSWORD, "name": "x"})
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert response.get_json()["error"]["code"] == "service_unavailable"


def test_the_error_page_renders_when_the_session_has_failed(app, make_app, make_user):
    """A view that leaves its transaction failed: the 500 page must not query through it (it used to
    load the signed-in user for the header, raise again, and leave the server's bare error)."""
    shopper = make_user(role=Role.SHOPPER, email="kofi@example.com")
    other = make_app(PROPAGATE_EXCEPTIONS=False)

    def leaves_session_failed():
        db.session.add(User(email=shopper.email, password_hash="x", role=Role.SHOPPER))
        try:
            db.session.flush()
        except IntegrityError:
            pass  # a careless view carries on without rolling back
        return str(db.session.scalar(select(func.count()).select_from(User)))

    other.add_url_rule("/<lang:lang_code>/failing-view", "failing_view", leaves_session_failed)
    client = other.test_client()
    assert client.post("/en/account/login", data={"email": shopper.email, "password": PASSWORD}).status_code == 302
    response = client.get("/fr/failing-view")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Une erreur de notre côté a empêché l’affichage de cette page" in page
    assert client.get("/fr/account/").status_code == 200, "the next request has a working session"
