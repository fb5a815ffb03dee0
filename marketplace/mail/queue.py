"""Order e-mails through the job queue when one is configured, so a slow or failing mail server never
holds up a checkout or a vendor's click: `MAIL_QUEUE=rq` (the default whenever `REDIS_URL` is set)
hands each message to the queue named by `RQ_QUEUE`, whose worker (`rq worker --url "$REDIS_URL"
silkroad`, the one that processes photos) sends it, retrying a failed send three times over half an
hour. Without a queue, or when Redis cannot be reached, the message is sent there and then.
"""
from __future__ import annotations

import logging

from flask import current_app

from marketplace.core import jobs
from marketplace.mail import get_mailer
from marketplace.mail.port import Message

log = logging.getLogger(__name__)
RETRY_SECONDS = [60, 300, 1800]
POLICY = jobs.Policy(timeout=120, retry_seconds=RETRY_SECONDS)


def deliver(message: Message) -> None:
    """Queue `message`, or send it now; raises what the mailer raises when sending now fails."""
    if jobs.queue_configured(current_app, "MAIL_QUEUE"):
        from redis import RedisError

        try:
            jobs.enqueue(current_app, send_job, message.to, message.subject, message.body, message.language,
                         policy=POLICY)
            return
        except RedisError:
            log.exception("job queue unreachable: sending the e-mail to %s now", message.to)
    get_mailer().send(message)


def deliver_or_log(message: Message, what: str) -> bool:
    """Queue `message`, or send it now; False, with the failure logged as "`what` to <address> not sent",
    when neither worked. For e-mails about a change already committed, which a mail failure must never undo."""
    try:
        deliver(message)
    except Exception:  # noqa: BLE001 - whatever the mailer raises, the committed change stands
        log.exception("%s to %s not sent", what, message.to)
        return False
    return True


@jobs.job
def send_job(to: str, subject: str, body: str, language: str) -> None:
    """The job: send one e-mail with the configured mailer (an exception makes RQ retry it)."""
    get_mailer().send(Message(to, subject, body, language))
