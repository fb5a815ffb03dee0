"""One job module for every feature: jobs run inside an application, one Redis client per address, and
index refreshes reach the search worker through it."""
from __future__ import annotations

import contextvars
import os
import uuid

import pytest
from flask import current_app

from marketplace.core import jobs
from marketplace.search import get_search_index
from marketplace.search.port import QueryUnit, SearchQuery
from tests.services import ci_redis


@jobs.job
def app_name_job() -> str:
    return current_app.name


def test_a_job_runs_in_the_current_app_or_else_in_the_worker_app(app, make_app, monkeypatch):
    worker = make_app()
    worker.name = "worker"
    monkeypatch.setattr(jobs, "worker_app", lambda: worker)
    assert app_name_job() == app.name  # inside a request or a test: that app
    assert contextvars.Context().run(app_name_job) == "worker"  # a plain `rq worker`: no app yet
    assert app_name_job.__name__ == "app_name_job" and app_name_job.__module__ == __name__  # RQ finds it by name


def test_one_redis_client_per_address_and_a_queue_per_name(make_app):
    first = jobs.redis_client("redis://127.0.0.1:6390/0")
    assert jobs.redis_client("redis://127.0.0.1:6390/0") is first
    assert jobs.redis_client("redis://127.0.0.1:6390/1") is not first
    other = make_app(REDIS_URL="redis://127.0.0.1:6390/0", RQ_QUEUE="photos-and-mail")
    assert jobs.queue(other).name == "photos-and-mail" and jobs.queue(other, "search").name == "search"
    assert jobs.queue(other).connection is first
    assert jobs.queue_configured(other, "MAIL_QUEUE") is False
    other.config["MAIL_QUEUE"] = "rq"
    assert jobs.queue_configured(other, "MAIL_QUEUE") is True


def test_a_queued_index_refresh_is_applied_by_the_search_worker(app, make_app, make_product):
    if not os.environ.get("TEST_REDIS_URL"):
        pytest.skip("needs TEST_REDIS_URL (set by .ci/run)")
    from rq import Queue, SimpleWorker

    url, connection = ci_redis()
    name = f"test-search-{uuid.uuid4().hex}"
    other = make_app(SEARCH_QUEUE="rq", REDIS_URL=url, SEARCH_RQ_QUEUE=name)
    product = make_product(name="Hibiscus flowers")
    try:
        with other.app_context():
            from marketplace.search.services import reindex_products

            reindex_products([product.id])
            queue = Queue(name, connection=connection)
            assert queue.count == 1 and get_search_index().count() == 0  # the request did not write the index
            SimpleWorker([queue], connection=connection).work(burst=True)
            found = get_search_index().search(SearchQuery((QueryUnit(("hibiscus",)),)))
            assert [hit.id for hit in found.hits] == [product.id]
    finally:
        Queue(name, connection=connection).delete(delete_jobs=True)
