"""The demo seed adds lecture series in three languages: past with recordings, upcoming, and one full."""
from __future__ import annotations

from sqlalchemy import func, select

from campaigns.demo.lectures import seed_lectures
from campaigns.demo.seed import seed_demo
from campaigns.lectures.models import Lecture, LectureSeries, Registration, RegistrationStatus
from marketplace.accounts.models import User
from marketplace.core import clock
from marketplace.extensions import db


def test_the_demo_has_lectures_past_upcoming_and_full_and_a_second_run_adds_nothing(app):
    seed_demo(stores=12, products=24)
    now = clock.now()
    lectures = db.session.scalars(select(Lecture)).all()
    assert db.session.scalar(select(func.count(LectureSeries.id))) == 2
    assert {lecture.original_language for lecture in lectures} >= {"en", "fr", "ar"}
    past = [lecture for lecture in lectures if lecture.ends_at <= now]
    assert len(past) == 2 and all(lecture.recording_url for lecture in past)
    upcoming = [lecture for lecture in lectures if clock.to_utc(lecture.starts_at) > now]
    assert any(lecture.seats_left > 0 for lecture in upcoming)
    full = [lecture for lecture in upcoming if lecture.seats_left == 0]
    assert len(full) == 1
    waiting = db.session.scalar(select(func.count(Registration.id)).where(
        Registration.lecture_id == full[0].id, Registration.status == RegistrationStatus.WAITING))
    assert waiting == 3
    assert seed_lectures() == 0
    assert db.session.scalar(select(func.count(Lecture.id))) == 4


def test_the_demo_past_lectures_have_attendance_and_the_demo_vendor_a_certificate(app, client):
    """Past lectures have an audience, most of whom attended; the demo vendor has a certificate of each,
    except the festival-preparation one: its audience is the four festival-ready stores' owners, so the
    demo vendor can still try the refusal and the way to the badge."""
    seed_demo(stores=12, products=24)
    now = clock.now()
    past = [lecture for lecture in db.session.scalars(select(Lecture)) if lecture.ends_at <= now]
    preparation = [lecture for lecture in past if lecture.series and lecture.series.festival_preparation]
    assert len(preparation) == 1 and len(past) > len(preparation)
    for lecture in past:
        attended = db.session.scalar(select(func.count(Registration.id)).where(
            Registration.lecture_id == lecture.id, Registration.attended_at.is_not(None)))
        absent = db.session.scalar(select(func.count(Registration.id)).where(
            Registration.lecture_id == lecture.id, Registration.attended_at.is_(None)))
        if lecture in preparation:
            assert (attended, absent) == (4, 0)
        else:
            assert attended >= 5 and absent >= 1
        assert lecture.seats_taken == attended + absent
    codes = db.session.scalars(select(Registration.certificate_code).join(User, User.id == Registration.user_id)
                               .where(User.email == "vendor@example.com",
                                      Registration.certificate_code.is_not(None))).all()
    assert len(codes) == len(past) - len(preparation)
    assert "This certificate is valid." in client.get(f"/en/certificates/{codes[0]}").text
    before = db.session.scalar(select(func.count(Registration.id)))
    seed_demo(stores=12, products=24)
    assert db.session.scalar(select(func.count(Registration.id))) == before
