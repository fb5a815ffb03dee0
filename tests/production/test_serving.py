"""Serving in production: readiness that names what is down, a request id that follows a request into its log
line, jobs and e-mails, liveness never shed, gunicorn refusing to trust proxies on a public address, and a
checkout in flight finishing when gunicorn is told to stop."""
from __future__ import annotations

import functools
import io
import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid

import pytest
from sqlalchemy import create_engine, event, func, select, text
from werkzeug.test import EnvironBuilder, run_wsgi_app

from config import BASE_DIR, _database_url
from marketplace.accounts.models import Role
from marketplace.core import readiness
from marketplace.core.request_log import ACCESS_LOGGER, JsonFormatter
from marketplace.core.serving import LoadShedding
from marketplace.extensions import db
from marketplace.mail.outbox import compose
from marketplace.orders.models import Order
from marketplace.vendors.models import StoreStatus
from tests.factories import PASSWORD
from tests.production.servers import app_environment, call, free_port, gunicorn

ADDRESS = {"recipient_name": "Li Wei", "phone": "+86 138 0013 8000", "country_code": "CN", "city": "Shanghai",
           "address_line": "88 Century Avenue, Pudong", "postal_code": "200120"}


# --- readiness ---------------------------------------------------------------------------------------------

def test_ready_when_the_database_and_search_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ready"
    assert body["checks"]["database"]["ok"] is True and body["checks"]["search"]["ok"] is True
    assert "redis" not in body["checks"], "Redis is checked only when REDIS_URL is set"
    assert response.headers["Cache-Control"] == "no-store"


def test_not_ready_names_the_dependency_that_is_down_without_its_address(make_app):
    down = make_app(REDIS_URL="redis://127.0.0.1:1/0",
                    SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/nowhere")
    response = down.test_client().get("/readyz")
    assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
    body = response.get_json()
    assert body["status"] == "not ready"
    assert body["checks"]["database"] == {"ok": False, "ms": body["checks"]["database"]["ms"],
                                          "error": "OperationalError"}
    assert body["checks"]["redis"]["ok"] is False and body["checks"]["search"]["ok"] is True
    assert "127.0.0.1" not in response.get_data(as_text=True) and "nowhere" not in response.get_data(as_text=True)


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="needs the CI Redis (TEST_REDIS_URL)")
def test_ready_with_a_reachable_redis(make_app):
    response = make_app(REDIS_URL=os.environ["TEST_REDIS_URL"]).test_client().get("/readyz")
    assert response.status_code == 200 and response.get_json()["checks"]["redis"]["ok"] is True


def test_a_dependency_that_hangs_is_reported_after_the_timeout(make_app):
    shop = make_app(READINESS_TIMEOUT=0.2)
    release = threading.Event()
    readiness.add_check(shop, "search", lambda: release.wait(60))
    try:
        response = shop.test_client().get("/readyz")
    finally:
        release.set()
    assert response.status_code == 503
    assert response.get_json()["checks"]["search"] == {"ok": False, "error": "no answer within 0.2 s"}
    assert response.get_json()["checks"]["database"]["ok"] is True


def test_liveness_is_answered_by_a_worker_too_busy_for_pages_and_readiness(app):
    shedding = LoadShedding(max_queue=0, max_wait_seconds=60)
    wrapped = shedding.wrap_wsgi(app, app)

    def status_of(path: str) -> str:
        shedding.started(time.monotonic(), 5)  # picked up from behind 5 others: over max_queue=0
        _body, status, _headers = run_wsgi_app(wrapped, EnvironBuilder(path=path).get_environ())
        return status

    assert status_of("/healthz").startswith("200")
    assert status_of("/readyz").startswith("503")
    assert status_of("/en/").startswith("503")


# --- request ids and JSON logs -----------------------------------------------------------------------------

@pytest.fixture
def json_log(make_app):
    """(an app logging as JSON, the lines its process wrote since): read from the JSON handler's own output.
    The handler and level it gives the root logger are taken away after the test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    shop = make_app(LOG_FORMAT="json", PROPAGATE_EXCEPTIONS=False)
    output = io.StringIO()
    for handler in root.handlers:
        if isinstance(handler.formatter, JsonFormatter):
            handler.setStream(output)
    yield shop, lambda: [json.loads(line) for line in output.getvalue().splitlines()]
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def access(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line["logger"] == ACCESS_LOGGER]


def test_a_safe_request_id_is_kept_and_anything_else_replaced(client):
    assert client.get("/healthz", headers={"X-Request-ID": "edge-4f1c2b9a"}).headers["X-Request-ID"] == "edge-4f1c2b9a"
    for unsafe in ("short", "has space in it", "<script>alert(1)</script>", "x" * 200, "ok-id\u00e9\u00e9\u00e9\u00e9"):
        given = client.get("/healthz", headers={"X-Request-ID": unsafe}).headers["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", given), (unsafe, given)
    assert len({client.get("/healthz").headers["X-Request-ID"] for _ in range(3)}) == 3


def test_each_request_writes_one_json_access_line_with_who_and_how_long(json_log, make_user):
    shop, lines = json_log
    shopper = make_user()
    client = shop.test_client()
    client.get = functools.partial(client.get, buffered=True)  # like a server, close each answer once sent
    client.post = functools.partial(client.post, buffered=True)
    client.get("/en/account/login")
    client.post("/en/account/login", data={"email": shopper.email, "password": PASSWORD})
    answer = client.get("/en/cart", headers={"X-Request-ID": "cart-view-0001"})
    client.get("/en/search?q=shea&token=secret-feed-token")
    written = access(lines())
    assert len(written) == 4, "one line per request"
    visitor, signed_in, cart, search = written
    assert (visitor["path"], visitor["status"], visitor["user_id"]) == ("/en/account/login", 200, None)
    assert (signed_in["method"], signed_in["status"]) == ("POST", 302)
    assert cart["request_id"] == "cart-view-0001" == answer.headers["X-Request-ID"]
    assert (cart["method"], cart["path"], cart["status"], cart["user_id"]) == ("GET", "/en/cart", 200, shopper.id)
    assert cart["level"] == "info" and cart["duration_ms"] >= 0 and cart["client"] == "127.0.0.1"
    assert search["path"] == "/en/search" and search["user_id"] == shopper.id
    assert "secret-feed-token" not in json.dumps(lines()), "query strings (feed tokens) never reach the log"


def test_error_lines_carry_the_request_id(json_log):
    shop, lines = json_log

    @shop.get("/test-only/fails")
    def fails():  # a route of this test's app only
        raise RuntimeError("boom")

    answer = shop.test_client().get("/test-only/fails", headers={"X-Request-ID": "failing-request-01"}, buffered=True)
    assert answer.status_code == 500
    [error] = [line for line in lines() if line["level"] == "error"]
    assert error["request_id"] == "failing-request-01" and "RuntimeError: boom" in error["error"]
    [line] = access(lines())
    assert line["status"] == 500 and line["request_id"] == "failing-request-01"


# --- the request id in e-mails and jobs --------------------------------------------------------------------

def approve_as_staff(shop, make_user, make_store, request_id: str):
    staff = make_user(role=Role.STAFF)
    store = make_store(status=StoreStatus.SUBMITTED, language="fr")
    client = shop.test_client()
    client.post("/en/account/login", data={"email": staff.email, "password": PASSWORD})
    answer = client.post(f"/en/staff/vendors/{store.id}/approve", headers={"X-Request-ID": request_id})
    assert answer.status_code == 302 and answer.headers["X-Request-ID"] == request_id
    return store


def test_an_e_mail_sent_during_a_request_names_it_in_its_headers(make_app, make_user, make_store):
    shop = make_app()
    approve_as_staff(shop, make_user, make_store, "approve-store-0001")
    [message] = shop.extensions["mailer"].outbox
    assert message.request_id == "approve-store-0001"
    assert compose(message, "festivals@silkroad.local")["X-Request-ID"] == "approve-store-0001"


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="needs the CI Redis (TEST_REDIS_URL)")
def test_a_queued_e_mail_keeps_the_request_id_into_the_worker(app, make_app, make_user, make_store):
    from rq import Queue, SimpleWorker

    from marketplace.core.jobs import redis_client

    queue_name = f"test-{uuid.uuid4().hex}"
    shop = make_app(REDIS_URL=os.environ["TEST_REDIS_URL"], MAIL_QUEUE="rq", RQ_QUEUE=queue_name)
    approve_as_staff(shop, make_user, make_store, "approve-store-0002")
    assert shop.extensions["mailer"].outbox == [], "the e-mail went to the queue"
    queue = Queue(queue_name, connection=redis_client(os.environ["TEST_REDIS_URL"]))
    try:
        [job] = queue.jobs
        assert job.meta["request_id"] == "approve-store-0002"
        outbox = app.extensions["mailer"].outbox
        outbox.clear()
        SimpleWorker([queue], connection=queue.connection).work(burst=True)  # runs in this app's context
        [message] = outbox
        assert message.request_id == "approve-store-0002"
    finally:
        queue.delete(delete_jobs=True)


# --- warm-up before forking --------------------------------------------------------------------------------

def test_the_masters_warm_up_compiles_every_page_and_loads_every_language_without_touching_the_database(make_app):
    from flask_babel import force_locale, get_domain, get_translations

    from marketplace.core.i18n import LANGUAGES
    from marketplace.core.serving import warm_up

    shop = make_app()
    statements = []
    with shop.app_context():
        engine = db.engine
    listener = functools.partial(lambda seen, *_args: seen.append(1), statements)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        warm_up(shop)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert statements == []  # nothing read, nothing counted or kept on anyone's behalf
    pages = [name for name in shop.jinja_env.list_templates() if name.endswith(".html")]
    assert len(pages) > 50
    compiled = {key[1] for key in shop.jinja_env.cache.keys()}  # (loader reference, name)
    assert set(pages) <= compiled
    with shop.test_request_context("/"):
        kept = {locale for locale, _domain in get_domain().cache}
        assert set(LANGUAGES) - {"en"} <= kept  # English is the source texts' own
        with force_locale("zh"):
            assert get_translations().gettext("Log in") != "Log in"  # the kept catalogue is the real one


# --- gunicorn ----------------------------------------------------------------------------------------------

@pytest.mark.production
def test_gunicorn_refuses_to_trust_proxies_on_an_address_reachable_without_them(tmp_path):
    environment = app_environment(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path / "instance", TRUSTED_PROXIES="1")
    # A host name, never a wildcard: were the check missing, nothing would listen on a public interface.
    result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--bind", f"shop.invalid:{free_port()}",
         "wsgi:app"], cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "TRUSTED_PROXIES=1 but gunicorn binds shop.invalid" in result.stderr


@pytest.mark.production
def test_a_kept_alive_connection_is_closed_after_its_share_of_requests_so_workers_share_the_load(tmp_path):
    import http.client

    environment = app_environment(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path / "instance",
                                  WEB_REQUESTS_PER_CONNECTION="5")
    with gunicorn(environment, tmp_path / "gunicorn.log", "--workers", "2") as server:
        port = int(server.url.rsplit(":", 1)[1])
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        answers = []
        for _ in range(12):
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            response.read()
            answers.append((response.status, response.getheader("Connection")))
            if response.getheader("Connection") == "close":
                connection.close()  # as every client does: the next request opens a new connection
        connection.close()
    assert [status for status, _ in answers] == [200] * 12
    assert [n + 1 for n, (_, header) in enumerate(answers) if header == "close"] == [5, 10]
    assert all(header == "keep-alive" for n, (_, header) in enumerate(answers) if (n + 1) % 5)


def waiting_on_a_lock(engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"))


@pytest.mark.production
@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                    reason="the checkout is held by a PostgreSQL row lock the test watches: set TEST_DATABASE_URL")
@pytest.mark.parametrize("app_session", ["postgresql"], indirect=True)
def test_a_checkout_in_flight_finishes_when_gunicorn_is_stopped(app, make_user, make_product, tmp_path):
    shopper, product = make_user(), make_product(name="Kente stole", price=4500, stock=5)
    url = os.environ["TEST_DATABASE_URL"]
    environment = app_environment(url, tmp_path / "instance", DATABASE_LOCK_TIMEOUT="60",
                                  SEARCH_INDEX_DIR=str(tmp_path / "index"))
    engine = create_engine(_database_url(url))
    answers = []
    with gunicorn(environment, tmp_path / "gunicorn.log", "--workers", "1") as server:
        token = call(server.url + "/api/v1/auth/token", "POST", {"email": shopper.email, "password": PASSWORD})
        bearer = {"Authorization": f"Bearer {token.json()['token']}"}
        added = call(server.url + "/api/v1/cart/items", "POST", {"product_id": product.id, "quantity": 1}, bearer)
        assert added.status == 201, added.text
        with engine.connect() as holder:
            holder.execute(text("SELECT id FROM products WHERE id = :id FOR UPDATE"), {"id": product.id})
            buyer = threading.Thread(target=lambda: answers.append(call(
                server.url + "/api/v1/checkout", "POST",
                {"idempotency_key": uuid.uuid4().hex, "destination": ADDRESS}, bearer)))
            buyer.start()
            deadline = time.monotonic() + 60
            while waiting_on_a_lock(engine) == 0:
                assert time.monotonic() < deadline, "the checkout never reached the stock row:\n" + server.output()
                time.sleep(0.05)
            server.process.send_signal(signal.SIGTERM)  # the checkout is now in flight, waiting on the row
            while '"Handling signal: term"' not in server.output():
                assert server.process.poll() is None or answers, "gunicorn exited with the checkout unanswered"
                time.sleep(0.05)
            time.sleep(1)  # let the worker begin its graceful exit while the checkout still waits
            holder.rollback()  # the row comes free: the checkout goes on
        buyer.join(120)
        assert server.process.wait(120) == 0, server.output()
    engine.dispose()
    [answer] = answers
    assert answer.status == 201, answer.text
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Order.id))) == 1
    db.session.refresh(product)
    assert product.stock == 4
