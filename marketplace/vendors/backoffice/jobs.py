"""Photo processing as background jobs on an RQ queue, when one is configured.

`IMAGE_JOBS=rq` (the default whenever `REDIS_URL` is set) sends each uploaded photo to the queue
named by `RQ_QUEUE`; a worker started with the web workers' environment runs it:

    rq worker --url "$REDIS_URL" silkroad

Without a queue, photos are processed during the upload. When Redis cannot be reached at upload
time the photos are processed there and then too, so an upload never waits on a dead queue.
"""
from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING

from flask import Flask, current_app, has_app_context

if TYPE_CHECKING:
    from rq import Queue

log = logging.getLogger(__name__)
JOB_TIMEOUT = 300  # seconds; a 40-megapixel PNG takes a few


def image_jobs_enabled() -> bool:
    """Whether photos go to the job queue (IMAGE_JOBS is "rq" and REDIS_URL is set)."""
    return current_app.config.get("IMAGE_JOBS") == "rq" and bool(current_app.config.get("REDIS_URL"))


def image_queue() -> Queue:
    """The RQ queue photo jobs go to (rq is imported only where a queue is configured)."""
    from redis import Redis
    from rq import Queue

    connection = Redis.from_url(current_app.config["REDIS_URL"], socket_connect_timeout=3, socket_timeout=10)
    return Queue(current_app.config["RQ_QUEUE"], connection=connection)


def enqueue_photos(image_ids: list[int]) -> None:
    """Queue one processing job per pending photo; processes them here when the queue is unreachable."""
    from redis import RedisError

    try:
        queue = image_queue()
        for image_id in image_ids:
            queue.enqueue(process_product_image, image_id, job_timeout=JOB_TIMEOUT, result_ttl=3600,
                          failure_ttl=7 * 24 * 3600)
    except RedisError:
        log.exception("job queue unreachable: processing %d photo(s) during the upload", len(image_ids))
        for image_id in image_ids:
            _process(image_id)


@functools.cache
def _worker_app() -> Flask:
    from marketplace import create_app

    return create_app()


def process_product_image(image_id: int) -> str:
    """The job: process pending photo `image_id`; returns its final status ("ready", "failed", or "gone")."""
    if has_app_context():
        return _process(image_id)
    with _worker_app().app_context():
        return _process(image_id)


def _process(image_id: int) -> str:
    from marketplace.vendors.backoffice.photos import mark_photo_failed, process_pending_photo

    try:
        image = process_pending_photo(image_id)
    except Exception:
        log.exception("processing photo %s failed", image_id)
        mark_photo_failed(image_id)
        raise
    return "gone" if image is None else image.status
