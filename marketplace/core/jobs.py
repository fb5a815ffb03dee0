"""Background jobs on RQ, one way for every feature: a queue for an app, one Redis client per address,
one timeout and retry policy, and `@job`, which runs a job function inside the application.

A worker started with `flask jobs worker` runs every job inside the app it was started with, like a
request. `rq worker --url "$REDIS_URL" silkroad` works too: a job that finds no application builds
one from `SILKROAD_APP` ("wsgi:app" by default), as gunicorn does, once per worker process. The
application is found by name, never imported here, so no feature's module imports the factory.
Each job carries the id of the request that queued it (core/request_log.py): its log lines and the
e-mails it sends name that request.
"""
from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from flask import Flask, has_app_context
from werkzeug.utils import import_string

from marketplace.core.request_log import current_request_id, forget_request_id, use_request_id

if TYPE_CHECKING:
    from redis import Redis
    from rq import Queue
    from rq.job import Job

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")

CONNECT_TIMEOUT = 3  # seconds to reach Redis: a request never waits long on a dead queue
SOCKET_TIMEOUT = 10


@dataclass(frozen=True)
class Policy:
    """How long a job may run, when a failed one is tried again, and how long its outcome is kept."""

    timeout: int = 300
    retry_seconds: Sequence[int] = ()
    result_ttl: int = 3600
    failure_ttl: int = 7 * 24 * 3600


DEFAULT = Policy()


def queue_configured(app: Flask, setting: str) -> bool:
    """Whether the feature switched on by `setting` (e.g. MAIL_QUEUE) queues its jobs: "rq" with REDIS_URL set."""
    return app.config.get(setting) == "rq" and bool(app.config.get("REDIS_URL"))


@functools.cache
def redis_client(url: str) -> Redis:
    """One client (and its connection pool) per Redis address, shared by everything a process queues."""
    from redis import Redis

    return Redis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=SOCKET_TIMEOUT)


def queue(app: Flask, name: str | None = None) -> Queue:
    """The RQ queue `name` (the app's `RQ_QUEUE` by default) on the app's Redis."""
    from rq import Queue

    return Queue(name or app.config["RQ_QUEUE"], connection=redis_client(app.config["REDIS_URL"]))


def enqueue(app: Flask, function: Callable, *args, queue_name: str | None = None, policy: Policy = DEFAULT) -> Job:
    """Queue `function(*args)` under `policy`; raises redis.RedisError when Redis cannot be reached."""
    from rq import Retry

    retry = Retry(max=len(policy.retry_seconds), interval=list(policy.retry_seconds)) if policy.retry_seconds else None
    return queue(app, queue_name).enqueue(function, *args, job_timeout=policy.timeout, retry=retry,
                                          result_ttl=policy.result_ttl, failure_ttl=policy.failure_ttl,
                                          meta={"request_id": current_request_id()})


def queued_request_id() -> str | None:
    """The id of the request that queued the job this worker is running; None outside a job."""
    from rq import get_current_job

    running = get_current_job()
    return running.meta.get("request_id") if running is not None else None


@functools.cache
def worker_app() -> Flask:
    """The application a plain `rq worker` runs jobs in, found by name (`SILKROAD_APP`, "wsgi:app")."""
    return import_string(os.environ.get("SILKROAD_APP", "wsgi:app"))


def job(function: Callable[P, R]) -> Callable[P, R]:
    """Make `function` a job: called inside the current application, or the worker's when there is none."""

    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        token = use_request_id(queued_request_id()) if current_request_id() is None else None
        try:
            if has_app_context():
                return function(*args, **kwargs)
            with worker_app().app_context():
                return function(*args, **kwargs)
        finally:
            if token is not None:
                forget_request_id(token)

    return run


def run_worker(app: Flask, name: str) -> None:
    """Work the queue `name` inside `app` until stopped."""
    from rq import Worker

    work_queue = queue(app, name)
    Worker([work_queue], connection=work_queue.connection).work()
