"""Journey counts and festival results in Redis (with `REDIS_URL`): two web apps count into one place, the
job worker writes the counts once, a failed write keeps them, Redis away falls back to memory; festival
results are shared by every worker and worked out once a minute."""
from __future__ import annotations

import os
import uuid
from datetime import timedelta

import pytest

from campaigns.reporting import funnel_redis
from campaigns.reporting.funnel import MAX_PAGES_PER_MINUTE, journey_counter
from campaigns.reporting.funnel_redis import RedisJourneyCounter, flush_journey_counts
from marketplace.accounts.models import Role
from marketplace.core import clock
from marketplace.extensions import db
from tests.factories import PASSWORD
from tests.reporting.test_dashboard_figures import sql
from tests.reporting.test_journey_counts import BROWSER, counts
from tests.services import ci_redis


@pytest.fixture
def redis_apps(make_app, frozen):
    """Two web apps (two machines) counting into one Redis, with a queue of their own; their counters."""
    if not os.environ.get("TEST_REDIS_URL"):
        pytest.skip("needs TEST_REDIS_URL (set by .ci/run)")
    url, connection = ci_redis()
    name = uuid.uuid4().hex
    settings = {"REDIS_URL": url, "FUNNEL_COUNTER": "redis", "FUNNEL_REDIS_PREFIX": f"test:{name}:funnel:",
                "REPORT_CACHE_PREFIX": f"test:{name}:reports:", "RQ_QUEUE": f"test-{name}"}
    apps = [make_app(**settings), make_app(**settings)]
    yield apps, connection
    for key in connection.scan_iter(f"test:{name}:*"):
        connection.delete(key)
    from rq import Queue

    Queue(f"test-{name}", connection=connection).delete(delete_jobs=True)


def test_two_machines_count_into_one_place_and_the_worker_writes_once(redis_apps, make_product):
    from rq import Queue, SimpleWorker

    (first, second), connection = redis_apps
    product = make_product()
    for app in (first, second):
        assert isinstance(journey_counter(app), RedisJourneyCounter)
        client = app.test_client()
        for _ in range(2):
            assert client.get(f"/en/products/{product.slug}", headers=BROWSER).status_code == 200
    assert counts() == {} and journey_counter(first).pending() == {}  # the requests only added in memory
    for app in (first, second):
        journey_counter(app).buffer.flush()  # what each worker's thread does every FUNNEL_PUSH_SECONDS
    waiting = journey_counter(first).pending()
    assert list(waiting.values()) == [4] and list(waiting)[0][1:] == ("product_view", product.slug)
    queue = Queue(first.config["RQ_QUEUE"], connection=connection)
    assert queue.count == 1  # the first push after a flush queued one; the other found the mark set
    with first.app_context():
        SimpleWorker([queue], connection=connection).work(burst=True)
    assert counts() == {(product.id, "product_view"): 4}
    assert journey_counter(second).pending() == {}
    assert journey_counter(second).flush() == 0  # written once, not once per machine


def test_an_address_is_counted_up_to_the_limit_in_each_worker(redis_apps, make_product):
    (first, second), _ = redis_apps
    product = make_product()
    for app in (first, second):
        for _ in range(MAX_PAGES_PER_MINUTE + 3):
            app.test_client().get(f"/en/products/{product.slug}", headers=BROWSER)
    journey_counter(second).buffer.flush()
    journey_counter(first).flush()
    assert counts() == {(product.id, "product_view"): 2 * MAX_PAGES_PER_MINUTE}


def test_cart_and_checkout_steps_and_robots(redis_apps, make_product):
    (first, _), _ = redis_apps
    product = make_product()
    counter = journey_counter(first)
    with first.test_request_context("/", headers=BROWSER):
        from marketplace.core.funnel import count_step

        count_step("add_to_cart", [product.id, product.id])
        count_step("checkout_start", [str(product.id), "not-a-number"])
    first.test_client().get(f"/en/products/{product.slug}", headers={"User-Agent": "Googlebot/2.1"})
    counter.flush()
    assert counts() == {(product.id, "add_to_cart"): 2, (product.id, "checkout_start"): 1}


def test_a_failed_write_keeps_the_counts_in_redis_for_the_next_flush(redis_apps, make_product, monkeypatch):
    (first, _), _ = redis_apps
    product = make_product()
    first.test_client().get(f"/en/products/{product.slug}", headers=BROWSER)
    counter = journey_counter(first)

    def database_down(pending):
        raise RuntimeError("database down")

    monkeypatch.setattr(funnel_redis, "write_counts", database_down)
    with pytest.raises(RuntimeError):
        counter.flush()
    assert counts() == {}
    first.test_client().get(f"/en/products/{product.slug}", headers=BROWSER)  # counted meanwhile
    counter.buffer.flush()
    monkeypatch.undo()
    assert sum(counter.pending().values()) == 2
    assert counter.flush() == 2  # the batch left over, then the one counted since: added onto one row
    assert counts() == {(product.id, "product_view"): 2} and counter.pending() == {}
    assert sql("SELECT count FROM funnel_counts") == [(2,)]


def test_redis_away_the_worker_writes_its_counts_and_shopping_goes_on(make_app, frozen, make_product):
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0", FUNNEL_COUNTER="redis")
    product = make_product()
    counter = journey_counter(app)
    assert isinstance(counter, RedisJourneyCounter)
    assert app.test_client().get(f"/en/products/{product.slug}", headers=BROWSER).status_code == 200
    assert counter.buffer.flush() == 1  # sent to the database, Redis being away
    assert counts() == {(product.id, "product_view"): 1}


def test_the_flush_job_runs_in_the_app(redis_apps, make_product):
    (first, _), _ = redis_apps
    product = make_product()
    first.test_client().get(f"/en/products/{product.slug}", headers=BROWSER)
    with first.app_context():
        assert flush_journey_counts() == 1
    assert counts() == {(product.id, "product_view"): 1}


def test_the_flush_command(redis_apps, make_product):
    (first, _), _ = redis_apps
    product = make_product()
    first.test_client().get(f"/en/products/{product.slug}", headers=BROWSER)
    with first.app_context():  # the command runs in the app whose context is current
        result = first.test_cli_runner().invoke(args=["reporting", "flush-counts"])
    assert result.exit_code == 0 and "Wrote 1 journey-count row(s)." in result.output
    assert counts() == {(product.id, "product_view"): 1}


def test_festival_results_are_shared_by_every_worker_and_worked_out_once_a_minute(redis_apps, festival_world,
                                                                                  staff, monkeypatch):
    from campaigns.reporting import festival_results as results

    (first, second), _ = redis_apps
    festival = festival_world["festival"]
    worked = []
    real = results.read_results

    def counted(*args, **kwargs):
        worked.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(results, "read_results", counted)
    staff = db.session.merge(staff)
    with first.test_request_context("/"):
        one = results.festival_results(staff, festival.id, "en")
    with second.test_request_context("/"):
        other = results.festival_results(staff, festival.id, "en")
    assert worked == [festival.id]  # the second machine read what the first worked out
    assert other.totals.gross.minor == one.totals.gross.minor and other.tables["deals"].rows == one.tables["deals"].rows
    with clock.freeze(clock.now() + timedelta(seconds=61)), second.test_request_context("/"):
        results.festival_results(staff, festival.id, "en")
    assert worked == [festival.id, festival.id]  # a minute later, worked out again


def test_vendors_browsing_are_not_counted_in_redis(redis_apps, make_user, make_product):
    (first, _), _ = redis_apps
    product = make_product()
    vendor = make_user(role=Role.VENDOR)
    client = first.test_client()
    client.post("/en/account/login", data={"email": vendor.email, "password": PASSWORD})
    client.get(f"/en/products/{product.slug}", headers=BROWSER)
    assert journey_counter(first).take() == {}
