"""Reminders: asked once, sent once per shopper and subject, by the job, even when two runs race."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from campaigns.festivals import reminders
from campaigns.festivals.models import Reminder
from marketplace.core import clock
from marketplace.core.errors import Conflict
from marketplace.extensions import db
from marketplace.mail import get_mailer
from marketplace.mail.outbox import OutboxMailer
from marketplace.mail.port import Message
from tests.festivals.conftest import SECOND, WARMUP_STARTS, WAVE1, WAVE2

LEAD = timedelta(minutes=60)


@pytest.fixture
def outbox(app):
    mailer = get_mailer()
    mailer.outbox.clear()
    return mailer.outbox


def test_festival_and_deal_reminders_are_sent_once_before_opening(app, outbox, make_festival, make_deal, shopper):
    festival = make_festival()
    deal = make_deal(festival, wave_index=1)
    with clock.freeze(WARMUP_STARTS + SECOND):
        reminders.remind_festival(shopper, festival, "fr")
        reminders.remind_festival(shopper, festival, "fr")  # asking twice keeps one
        reminders.save_deal(shopper, deal)
    assert db.session.scalar(select(func.count(Reminder.id))) == 2
    assert reminders.send_due_reminders(WAVE1[0] - LEAD - SECOND) == 0
    assert reminders.send_due_reminders(WAVE1[0] - LEAD) == 1
    assert outbox[0].to == shopper.email and outbox[0].language == "fr" and "Coffee" in outbox[0].subject
    assert reminders.send_due_reminders(WAVE1[0]) == 0, "never twice"
    assert reminders.send_due_reminders(WAVE2[0] - timedelta(minutes=5)) == 1
    assert "saved deal" in outbox[1].subject
    assert len(outbox) == 2


def test_no_reminder_once_it_has_opened(make_festival, shopper):
    festival = make_festival()
    with clock.freeze(WAVE1[0]), pytest.raises(Conflict):
        reminders.remind_festival(shopper, festival)


def test_two_job_runs_at_once_send_each_reminder_once(make_app, make_festival, make_user):
    festival = make_festival()
    with clock.freeze(WARMUP_STARTS):
        for _ in range(15):
            reminders.remind_festival(make_user(), festival)
    other = make_app()
    with other.app_context():
        mailer = get_mailer()
    barrier = threading.Barrier(4)

    def run() -> None:
        with other.app_context():
            barrier.wait()
            reminders.send_due_reminders(WAVE1[0] - timedelta(minutes=1), mailer)
            db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(m.to for m in mailer.outbox) == sorted({m.to for m in mailer.outbox})
    assert len(mailer.outbox) == 15


def test_a_failed_send_is_retried_next_run(app, make_festival, shopper):
    festival = make_festival()
    with clock.freeze(WARMUP_STARTS):
        reminders.remind_festival(shopper, festival)

    class Broken:
        def send(self, message):
            raise OSError("smtp down")

    assert reminders.send_due_reminders(WAVE1[0] - SECOND, Broken()) == 0
    assert reminders.send_due_reminders(WAVE1[0] - SECOND) == 1


def test_the_cli_sends_and_the_outbox_writes_eml_files(runner, make_festival, shopper, tmp_path):
    festival = make_festival()
    with clock.freeze(WARMUP_STARTS):
        reminders.remind_festival(shopper, festival)
    with clock.freeze(WAVE1[0] - timedelta(minutes=10)):
        result = runner.invoke(args=["festivals", "send-reminders"])
    assert "Sent 1 reminder(s)." in result.output
    OutboxMailer(str(tmp_path), "festivals@example.com").send(Message("a@example.com", "Hello", "Body ✓"))
    files = list(tmp_path.glob("*.eml"))
    assert len(files) == 1 and b"Subject: Hello" in files[0].read_bytes()
