"""Under overload a worker answers 503 with Retry-After at once (in the address's language, or API JSON)
instead of letting requests queue until clients time out."""
from __future__ import annotations

import json
import time

from werkzeug.test import EnvironBuilder, run_wsgi_app

from marketplace.core.edge import OVERLOADED_KEY
from marketplace.core.serving import LoadShedding


def call(app, path: str, method: str = "GET") -> tuple[str, dict, bytes]:
    environ = EnvironBuilder(path=path, method=method).get_environ()
    body, status, headers = run_wsgi_app(app, environ)
    return status, dict(headers), b"".join(body)


def test_a_request_that_waited_too_long_is_answered_busy_without_the_application(app):
    shedding = LoadShedding(max_queue=100, max_wait_seconds=0.5)
    served = []

    def application(environ, start_response):
        served.append(environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"page"]

    wrapped = shedding.wrap_wsgi(application, app)
    queued_at, ahead = shedding.enqueued()
    shedding.started(queued_at - 0.6, ahead)  # picked up 0.6 s after it was queued
    status, headers, body = call(wrapped, "/zh/products/kente")
    assert status.startswith("503")
    assert headers["Retry-After"] == "5" and headers["Cache-Control"] == "no-store"
    assert "商店暂时无法响应此请求" in body.decode()
    assert served == [] and shedding.shed_count == 1

    shedding.started(*shedding.enqueued())  # picked up at once
    assert call(wrapped, "/zh/products/kente")[0].startswith("200")
    assert served == ["/zh/products/kente"]


def test_a_request_behind_too_many_others_is_shed_and_the_api_gets_json(app):
    shedding = LoadShedding(max_queue=2, max_wait_seconds=60)
    wrapped = shedding.wrap_wsgi(lambda environ, start_response: [], app)
    tickets = [shedding.enqueued() for _ in range(4)]
    assert [ahead for _, ahead in tickets] == [0, 1, 2, 3]
    shedding.started(*tickets[3])
    status, headers, body = call(wrapped, "/api/v1/cart/items")
    assert status.startswith("503") and headers["Content-Type"] == "application/json"
    assert json.loads(body)["error"]["code"] == "service_unavailable"
    assert shedding.queued == 3


def test_a_sent_form_waits_longer_than_a_page_before_it_is_shed(app):
    """A burst of registrations queues and is served; pages that waited as long are shed."""
    shedding = LoadShedding(max_queue=2, max_wait_seconds=0.5, max_queue_writes=50, max_wait_seconds_writes=10)
    served = []

    def application(environ, start_response):
        served.append(environ["REQUEST_METHOD"])
        start_response("302 Found", [("Location", "/en/lectures/1")])
        return [b""]

    wrapped = shedding.wrap_wsgi(application, app)
    for _ in range(10):
        shedding.enqueued()
    queued_at, ahead = shedding.enqueued()  # ten requests ahead of it
    shedding.started(queued_at - 3, ahead)  # and picked up after 3 s
    assert call(wrapped, "/en/lectures/1/register", "POST")[0].startswith("302")
    shedding.started(queued_at - 3, ahead)
    assert call(wrapped, "/en/lectures/1", "GET")[0].startswith("503")
    shedding.started(queued_at - 11, 0)  # a sent form that waited past its own limit
    status, headers, _ = call(wrapped, "/en/lectures/1/register", "POST")
    assert status.startswith("503") and headers["Retry-After"] == "5"
    shedding.started(time.monotonic(), 51)  # or behind too many
    assert call(wrapped, "/en/lectures/1/register", "POST")[0].startswith("503")
    assert served == ["POST"] and shedding.shed_count == 3


def test_the_application_refuses_a_request_marked_overloaded_before_any_query(client):
    started = time.perf_counter()
    response = client.get("/fr/", environ_overrides={OVERLOADED_KEY: True})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "La boutique ne peut pas répondre" in response.get_data(as_text=True)
    assert time.perf_counter() - started < 1


def test_the_api_refuses_a_request_marked_overloaded_in_json_with_retry_after(client):
    response = client.post("/api/v1/cart/items", json={"product_id": 1, "quantity": 1},
                           environ_overrides={OVERLOADED_KEY: True})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.get_json()["error"]["code"] == "service_unavailable"
