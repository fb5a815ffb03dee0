"""Staff schedule, edit, move and cancel lectures; bad input is refused with a message and changes nothing."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from campaigns.lectures.models import Lecture, LectureSeries, LectureStatus, Registration, RegistrationStatus
from marketplace.core import clock
from marketplace.extensions import db
from tests.lectures.conftest import JOIN_URL, START

NOW = datetime(2031, 5, 1, 8, 0, tzinfo=UTC)


def form(**changes) -> dict[str, str]:
    data = {
        "original_language": "en", "series_id": "", "spoken_language": "en", "interpretation_languages": ["fr", "zh"],
        "time_zone": "Africa/Cairo", "starts_local": "2031-05-20T14:00", "duration_minutes": "90",
        "capacity": "40", "audience": "vendors", "join_url": JOIN_URL, "recording_url": "",
        "title_en": "Pricing for Chinese shoppers", "abstract_en": "Landed cost, margins, festival prices.",
        "title_fr": "Fixer ses prix pour la Chine", "speaker_0_name": "Kofi Mensah", "speaker_0_role": "Trader",
    }
    data.update(changes)
    return data


def test_staff_schedule_a_lecture_in_a_named_zone(client, login, staff):
    login(staff)
    page = client.get("/en/staff/lectures/new")
    assert page.status_code == 200 and 'href="/en/staff/lectures/"' in page.text  # the staff menu entry
    with clock.freeze(NOW):
        response = client.post("/en/staff/lectures/new", data=form())
    assert response.status_code == 302
    lecture = db.session.scalars(select(Lecture)).one()
    assert lecture.starts_at.replace(tzinfo=UTC) == datetime(2031, 5, 20, 11, 0, tzinfo=UTC)  # Cairo is UTC+3
    assert lecture.time_zone == "Africa/Cairo" and lecture.capacity == 40 and lecture.audience.value == "vendors"
    assert lecture.interpretations == ["fr", "zh"]
    assert [s.name for s in lecture.speakers] == ["Kofi Mensah"]
    assert {t.language for t in lecture.texts} == {"en", "fr"}
    listing = client.get("/fr/staff/lectures/")
    assert "Fixer ses prix pour la Chine" in listing.text and "Africa/Cairo" in listing.text
    assert JOIN_URL not in listing.text


def test_bad_input_is_refused_with_messages_and_nothing_saved(client, login, staff):
    login(staff)
    cases = [
        ({"starts_local": "2031-04-25T00:30"}, "does not exist in Africa/Cairo"),  # Cairo springs forward
        ({"starts_local": "2031-10-30T23:30"}, "happens twice in Africa/Cairo"),
        ({"time_zone": "Mars/Olympus"}, "Unknown time zone: Mars/Olympus"),
        ({"starts_local": "2031-04-01T10:00"}, "The start must be in the future"),
        ({"starts_local": ""}, "Enter the start"),
        ({"capacity": "0"}, "Enter a number of seats between 1 and"),
        ({"capacity": "many"}, "Not a valid integer value"),
        ({"duration_minutes": "2"}, "between 5 and 600 minutes"),
        ({"join_url": "javascript:alert(1)"}, "full web address"),
        ({"recording_url": "recording please"}, "full web address"),
        ({"title_en": ""}, "Write the title in the original language"),
        ({"speaker_1_role": "Bio without a name"}, "Give the speaker&#39;s name"),
    ]
    with clock.freeze(NOW):
        for change, message in cases:
            response = client.post("/en/staff/lectures/new", data=form(**change))
            assert response.status_code == 422, change
            assert message in response.text, change
            assert "Kofi Mensah" in response.text  # the typed input is kept
            assert "Please correct the marked fields." in response.text  # said at the top too
    assert db.session.scalar(select(func.count(Lecture.id))) == 0
    with clock.freeze(NOW):
        french = client.post("/fr/staff/lectures/new", data=form(capacity="0"))
    assert "Indiquez un nombre de places entre 1 et" in french.text


def test_series_are_created_with_their_texts_and_need_a_title(client, login, staff):
    login(staff)
    refused = client.post("/en/staff/lectures/series/new", data={"original_language": "fr", "title_en": "Only English"})
    assert refused.status_code == 422 and "Write the title in the original language" in refused.text
    assert db.session.scalar(select(func.count(LectureSeries.id))) == 0
    client.post("/en/staff/lectures/series/new", data={"original_language": "fr", "title_fr": "Préparer le festival"})
    series = db.session.scalars(select(LectureSeries)).one()
    assert client.get(f"/en/staff/lectures/series/{series.id}").status_code == 200
    with clock.freeze(NOW):
        client.post("/en/staff/lectures/new", data=form(series_id=str(series.id)))
    assert db.session.scalars(select(Lecture)).one().series_id == series.id


def test_editing_keeps_the_start_and_refuses_fewer_seats_than_taken(client, login, staff, make_lecture):
    lecture = make_lecture(capacity=50)
    lecture.seats_taken = 30
    db.session.commit()
    login(staff)
    with clock.freeze(NOW):
        refused = client.post(f"/en/staff/lectures/{lecture.id}/edit", data=form(capacity="20"))
        assert refused.status_code == 422 and "30 seats are taken already" in refused.text
        saved = client.post(f"/en/staff/lectures/{lecture.id}/edit", data=form(capacity="60", title_en="New title"))
    assert saved.status_code == 302
    db.session.expire_all()
    lecture = db.session.get(Lecture, lecture.id)
    assert lecture.capacity == 60 and lecture.starts_at.replace(tzinfo=UTC) == START  # moving is separate


def _register(lecture, user, language, status=RegistrationStatus.REGISTERED, position=1):
    db.session.add(Registration(lecture_id=lecture.id, user_id=user.id, status=status, position=position,
                                language=language))
    db.session.commit()


def test_moving_tells_everyone_in_their_language_with_the_zone(client, login, staff, make_lecture, make_user,
                                                                 outbox):
    lecture = make_lecture(titles={"en": "Shipping to China", "fr": "Expédier en Chine"})
    french, waiting, gone = make_user(), make_user(), make_user()
    _register(lecture, french, "fr")
    _register(lecture, waiting, "en", RegistrationStatus.WAITING, 2)
    _register(lecture, gone, "en", RegistrationStatus.CANCELLED, 3)
    login(staff)
    with clock.freeze(NOW):
        refused = client.post(f"/en/staff/lectures/{lecture.id}/move",
                              data={"time_zone": "Africa/Nairobi", "starts_local": "2031-04-20T10:00"})
        assert refused.status_code == 422 and "The start must be in the future" in refused.text
        assert outbox == []
        moved = client.post(f"/en/staff/lectures/{lecture.id}/move",
                            data={"time_zone": "Africa/Nairobi", "starts_local": "2031-05-21T15:00"})
    assert moved.status_code == 302
    db.session.expire_all()
    lecture = db.session.get(Lecture, lecture.id)
    assert lecture.starts_at.replace(tzinfo=UTC) == datetime(2031, 5, 21, 12, 0, tzinfo=UTC)
    assert lecture.sequence == 1
    assert sorted(m.to for m in outbox) == sorted([french.email, waiting.email])
    to_french = next(m for m in outbox if m.to == french.email)
    assert to_french.language == "fr" and "Expédier en Chine" in to_french.subject
    assert "(heure : Nairobi, Africa/Nairobi)" in to_french.body and "15:00" in to_french.body


def test_cancelling_tells_everyone_once(client, login, staff, make_lecture, make_user, outbox):
    lecture = make_lecture()
    person = make_user()
    _register(lecture, person, "zh")
    login(staff)
    with clock.freeze(NOW):
        assert client.post(f"/en/staff/lectures/{lecture.id}/cancel").status_code == 302
        db.session.expire_all()
        assert db.session.get(Lecture, lecture.id).status == LectureStatus.CANCELLED
        again = client.post(f"/en/staff/lectures/{lecture.id}/cancel", follow_redirects=True)
    assert "already cancelled" in again.text
    assert [m.to for m in outbox] == [person.email] and outbox[0].language == "zh"
    assert "Africa/Nairobi" in outbox[0].body


def test_cancelling_needs_a_csrf_token(make_app, make_lecture, staff):
    from tests.factories import PASSWORD

    lecture = make_lecture()
    strict = make_app(WTF_CSRF_ENABLED=True)
    client = strict.test_client()
    page = client.get("/en/account/login")
    token = page.text.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/en/account/login", data={"email": staff.email, "password": PASSWORD, "csrf_token": token})
    client.post(f"/en/staff/lectures/{lecture.id}/cancel")
    db.session.expire_all()
    assert db.session.get(Lecture, lecture.id).status == LectureStatus.SCHEDULED

