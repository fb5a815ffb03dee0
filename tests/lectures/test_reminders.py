"""Reminders a day and an hour before, to confirmed seats only, each sent once, in the person's language."""
from __future__ import annotations

from datetime import timedelta

from campaigns.lectures import seats
from campaigns.lectures.reminders import send_due_reminders
from marketplace.core import clock
from tests.lectures.conftest import JOIN_URL, START


def test_a_day_and_an_hour_before_each_once(app, make_lecture, make_user, outbox):
    lecture = make_lecture(capacity=1, titles={"en": "Pricing", "sw": "Kupanga bei"})
    seated, waiting = make_user(), make_user()
    with clock.freeze(START - timedelta(days=5)):
        seats.register(lecture.id, seated, "sw")
        seats.register(lecture.id, waiting, "en")
    assert send_due_reminders(START - timedelta(hours=25)) == 0
    assert send_due_reminders(START - timedelta(hours=24)) == 1
    assert send_due_reminders(START - timedelta(hours=23)) == 0  # sent once
    assert [m.to for m in outbox] == [seated.email]
    day = outbox[0]
    assert day.language == "sw" and "Kupanga bei" in day.subject and "(Saa za Nairobi, Africa/Nairobi)" in day.body
    assert JOIN_URL not in day.body
    assert send_due_reminders(START - timedelta(minutes=61)) == 0
    assert send_due_reminders(START - timedelta(minutes=60)) == 1
    assert send_due_reminders(START - timedelta(minutes=30)) == 0
    assert send_due_reminders(START) == 0
    assert [m.to for m in outbox] == [seated.email, seated.email]


def test_someone_registering_late_gets_only_the_hour_reminder(app, make_lecture, make_user, outbox):
    lecture = make_lecture()
    person = make_user()
    with clock.freeze(START - timedelta(minutes=50)):
        seats.register(lecture.id, person, "en")
    assert send_due_reminders(START - timedelta(minutes=45)) == 1
    assert send_due_reminders(START - timedelta(minutes=40)) == 0
    assert len(outbox) == 1


def test_the_command_sends_them(app, runner, make_lecture, make_user, outbox):
    lecture = make_lecture()
    with clock.freeze(START - timedelta(days=2)):
        seats.register(lecture.id, make_user(), "en")
    with clock.freeze(START - timedelta(hours=2)):
        result = runner.invoke(args=["lectures", "send-reminders"])
    assert "Sent 1 lecture reminder(s)." in result.output
