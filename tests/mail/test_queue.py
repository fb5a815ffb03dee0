"""Order e-mails go through the job queue when one is configured, are retried when sending fails, and
are sent at once without a queue or when Redis cannot be reached."""
from __future__ import annotations

import logging
import os
import uuid

import pytest

from marketplace.mail import get_mailer
from marketplace.mail.port import Message
from marketplace.mail.queue import RETRY_SECONDS, deliver, deliver_or_log
from tests.services import ci_redis

MESSAGE = Message("amina@example.com", "Votre commande SR-7", "Merci !", "fr")


def test_without_a_queue_or_with_redis_down_the_message_is_sent_at_once(make_app):
    for settings in ({"MAIL_QUEUE": "inline"}, {"MAIL_QUEUE": "rq", "REDIS_URL": "redis://127.0.0.1:1/0"}):
        app = make_app(**settings)
        with app.app_context():
            deliver(MESSAGE)
            assert get_mailer().outbox == [MESSAGE]


def test_a_message_about_a_committed_change_that_cannot_be_sent_is_logged_not_raised(make_app, caplog,
                                                                                      monkeypatch):
    with make_app(MAIL_QUEUE="inline").app_context():
        assert deliver_or_log(MESSAGE, "order e-mail") is True
        assert get_mailer().outbox == [MESSAGE]

        def refuse(message):
            raise ConnectionRefusedError("mail server down")

        monkeypatch.setattr(get_mailer(), "send", refuse)
        with caplog.at_level(logging.ERROR, logger="marketplace.mail.queue"):
            assert deliver_or_log(MESSAGE, "order e-mail") is False
    assert "order e-mail to amina@example.com not sent" in caplog.text


@pytest.fixture
def redis_queue(make_app):
    from rq import Queue

    if not os.environ.get("TEST_REDIS_URL"):
        pytest.skip("needs TEST_REDIS_URL (set by .ci/run)")
    url, connection = ci_redis()
    name = f"test-mail-{uuid.uuid4().hex}"
    app = make_app(MAIL_QUEUE="rq", REDIS_URL=url, RQ_QUEUE=name)
    yield app, Queue(name, connection=connection), connection
    Queue(name, connection=connection).delete(delete_jobs=True)


def test_a_queued_message_is_sent_by_the_worker_and_a_failed_send_is_retried(redis_queue):
    from rq import SimpleWorker

    app, queue, connection = redis_queue
    with app.app_context():
        deliver(MESSAGE)
        assert get_mailer().outbox == [] and queue.count == 1  # the request does not wait for the server
        SimpleWorker([queue], connection=connection).work(burst=True)
        assert get_mailer().outbox == [MESSAGE]

        def refuse(message):
            raise ConnectionRefusedError("mail server down")

        get_mailer().send = refuse
        deliver(MESSAGE)
        (job,) = queue.jobs
        SimpleWorker([queue], connection=connection).work(burst=True)
        job.refresh()
        assert job.retries_left == len(RETRY_SECONDS) - 1 and job.get_status() == "scheduled"


def test_an_order_placed_at_checkout_is_written_to_its_shopper_and_vendor_by_the_worker(redis_queue, make_product,
                                                                                       make_user):
    from rq import SimpleWorker

    from marketplace.orders import cart as carts
    from marketplace.orders.checkout import Destination, place_order

    app, queue, connection = redis_queue
    with app.app_context():
        product = make_product(name="Shea butter", stock=5)
        shopper = make_user(email="wanjiru@example.com", preferred_language="sw")
        carts.add_item(shopper, None, product.id, 1)
        order = place_order(shopper, Destination(recipient_name="Wanjiru", phone="+254 712 345678", country_code="KE",
                                                 city="Nairobi", address_line="12 Moi Avenue", postal_code="00100"),
                            "k" * 24, "sw")
        assert get_mailer().outbox == [] and queue.count == 1  # the answer did not wait for the e-mails
        SimpleWorker([queue], connection=connection).work(burst=True)
        sent = {message.to: message for message in get_mailer().outbox}
        vendor, reference = product.store.owner.email, order.reference
    assert set(sent) == {"wanjiru@example.com", vendor}
    assert reference in sent["wanjiru@example.com"].subject and sent["wanjiru@example.com"].language == "sw"
