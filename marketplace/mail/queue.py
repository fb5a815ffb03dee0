"""Order e-mails through the RQ queue when one is configured, so a slow or failing mail server never
holds up a checkout or a vendor's click: `MAIL_QUEUE=rq` (the default whenever `REDIS_URL` is set)
hands each message to the queue named by `RQ_QUEUE`, whose worker (`rq worker --url "$REDIS_URL"
silkroad`, the one that processes photos) sends it, retrying a failed send three times over half an
hour. Without a queue, or when Redis cannot be reached, the message is sent there and then.
"""
from __future__ import annotations

import functools
import logging

from flask import Flask, current_app, has_app_context

from marketplace.mail import get_mailer
from marketplace.mail.port import Message

log = logging.getLogger(__name__)
RETRY_SECONDS = [60, 300, 1800]


def deliver(message: Message) -> None:
    """Queue `message`, or send it now; raises what the mailer raises when sending now fails."""
    if current_app.config.get("MAIL_QUEUE") == "rq" and current_app.config.get("REDIS_URL"):
        from redis import RedisError
        from rq import Queue, Retry

        try:
            Queue(current_app.config["RQ_QUEUE"], connection=_redis(current_app.config["REDIS_URL"])).enqueue(
                send_job, message.to, message.subject, message.body, message.language, job_timeout=120,
                retry=Retry(max=len(RETRY_SECONDS), interval=RETRY_SECONDS), failure_ttl=7 * 24 * 3600)
            return
        except RedisError:
            log.exception("job queue unreachable: sending the e-mail to %s now", message.to)
    get_mailer().send(message)


@functools.cache
def _redis(url: str):  # noqa: ANN202 - redis is imported only where a queue is configured
    """One client (and its connection pool) per Redis address, shared by every e-mail a process queues."""
    from redis import Redis

    return Redis.from_url(url, socket_connect_timeout=3, socket_timeout=10)


@functools.cache
def _worker_app() -> Flask:
    from marketplace import create_app

    return create_app()


def send_job(to: str, subject: str, body: str, language: str) -> None:
    """The job: send one e-mail with the configured mailer (an exception makes RQ retry it)."""
    message = Message(to, subject, body, language)
    if has_app_context():
        get_mailer().send(message)
        return
    with _worker_app().app_context():
        get_mailer().send(message)
