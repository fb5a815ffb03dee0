"""Public lecture pages: the list with filters, a lecture's times in two zones, seats, registering and
the waiting list through the page, "remove me" links, and the join link kept secret."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from campaigns.lectures import seats, tokens
from campaigns.lectures.models import Audience, Registration, RegistrationStatus
from marketplace.accounts.models import Role
from marketplace.core import clock
from marketplace.extensions import db
from tests.lectures.conftest import JOIN_URL, START

NOW = START - timedelta(days=10)


def test_the_list_shows_upcoming_by_date_filters_and_past_recordings(client, make_lecture, make_series):
    series = make_series()
    later = make_lecture(titles={"en": "Shipping by sea"}, starts_at=START + timedelta(days=2), series=series,
                         spoken="fr")
    sooner = make_lecture(titles={"en": "Pricing in yuan"}, starts_at=START, audience=Audience.VENDORS,
                          interpretation="zh")
    make_lecture(titles={"en": "Last year's photo clinic"}, starts_at=NOW - timedelta(days=30),
                 recording="https://video.example.org/clinic")
    make_lecture(titles={"en": "Unrecorded talk"}, starts_at=NOW - timedelta(days=31))
    with clock.freeze(NOW):
        page = client.get("/en/lectures/").text
        assert page.index("Pricing in yuan") < page.index("Shipping by sea")
        assert "Last year&#39;s photo clinic" in page and "https://video.example.org/clinic" in page
        assert "Unrecorded talk" not in page
        assert "Shipping by sea" not in client.get("/en/lectures/?language=zh").text
        assert "Pricing in yuan" in client.get("/en/lectures/?language=zh").text
        assert "Pricing in yuan" not in client.get(f"/en/lectures/?series={series.id}").text
        only_vendors = client.get("/en/lectures/?audience=vendors&series=junk&language=xx").text
        assert "Pricing in yuan" in only_vendors and "Shipping by sea" not in only_vendors
    assert later.id and sooner.id
    assert 'href="/en/lectures/"' in client.get("/en/").text  # the main menu leads here
    assert JOIN_URL not in page


def test_a_lecture_shows_event_time_and_the_visitors_time(client, make_lecture):
    lecture = make_lecture(zone="Africa/Lagos", capacity=10)
    lecture.seats_taken = 9
    db.session.commit()
    with clock.freeze(NOW):
        page = client.get(f"/en/lectures/{lecture.id}").text
        assert "(Lagos Time)" in page and "Limited: 1 seat left" in page
        client.post("/en/festivals/settings/time-zone", data={"tz": "Asia/Shanghai"})
        page = client.get(f"/zh/lectures/{lecture.id}").text
    assert "(上海时间)" in page and "(拉各斯时间)" in page and "17:00" in page  # 09:00 UTC in Shanghai


def test_registering_and_the_waiting_list_through_the_page(client, login, make_lecture, make_user, outbox):
    lecture = make_lecture(capacity=1)
    first, second = make_user(), make_user()
    with clock.freeze(NOW):
        anonymous = client.post(f"/en/lectures/{lecture.id}/register")
        assert "/account/login" in anonymous.headers["Location"]
        login(first)
        assert "You are registered." in client.post(f"/en/lectures/{lecture.id}/register", follow_redirects=True).text
        login(second)
        page = client.get(f"/en/lectures/{lecture.id}").text
        assert "Full: waiting list" in page and "Join the waiting list" in page
        waiting = client.post(f"/fr/lectures/{lecture.id}/register", follow_redirects=True).text
        assert "vous êtes sur la liste d’attente" in waiting
        login(first)
        client.post(f"/en/lectures/{lecture.id}/cancel")
        login(second)
        page = client.get(f"/en/lectures/{lecture.id}").text
        assert "A seat is held for you until" in page
        assert outbox and outbox[-1].to == second.email and outbox[-1].language == "fr"
        assert "/fr/lectures/remove/" in outbox[-1].body
        assert "Your seat is confirmed." in client.post(f"/en/lectures/{lecture.id}/confirm",
                                                       follow_redirects=True).text
    assert db.session.scalars(select(Registration.status).where(Registration.user_id == second.id)).one() == \
        RegistrationStatus.REGISTERED


def test_a_shopper_is_told_a_vendors_lecture_is_for_vendors(client, login, make_lecture, make_user):
    lecture = make_lecture(audience=Audience.VENDORS)
    login(make_user(role=Role.SHOPPER))
    with clock.freeze(NOW):
        page = client.post(f"/fr/lectures/{lecture.id}/register", follow_redirects=True).text
    assert "réservée aux vendeurs" in page
    assert db.session.scalars(select(Registration)).all() == []


def test_the_remove_link_works_without_logging_in_and_refuses_tampering(client, make_lecture, make_user):
    lecture = make_lecture()
    person = make_user()
    with clock.freeze(NOW):
        registration = seats.register(lecture.id, person, "en")
        with client.application.test_request_context():
            token = tokens.sign(registration)
        page = client.get(f"/en/lectures/remove/{token}")
        assert page.status_code == 200 and person.email in page.text
        db.session.expire_all()
        assert db.session.get(Registration, registration.id).status == RegistrationStatus.REGISTERED  # GET: nothing
        tampered = client.post(f"/en/lectures/remove/{token[:-2]}xx")
        assert tampered.status_code == 400 and "This link is not valid" in tampered.text
        client.post(f"/en/lectures/remove/{token}")
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).status == RegistrationStatus.CANCELLED


def test_the_join_link_is_never_in_a_page_before_time_or_for_others(client, login, make_lecture, make_user):
    lecture = make_lecture()
    seated, waiting, stranger = make_user(), make_user(), make_user()
    lecture.capacity = 1
    db.session.commit()
    with clock.freeze(NOW):
        seats.register(lecture.id, seated, "en")
        seats.register(lecture.id, waiting, "en")
    for moment in (NOW, START - timedelta(minutes=16)):
        with clock.freeze(moment):
            login(seated)
            page = client.get(f"/en/lectures/{lecture.id}").text
            assert JOIN_URL not in page and "/join?t=" not in page
    with clock.freeze(START - timedelta(minutes=15)):
        for person in (waiting, stranger):
            login(person)
            page = client.get(f"/en/lectures/{lecture.id}").text
            assert JOIN_URL not in page and "/join?t=" not in page
        client.post("/en/account/logout")
        assert JOIN_URL not in client.get(f"/en/lectures/{lecture.id}").text
        assert JOIN_URL not in client.get("/en/lectures/").text
        login(seated)
        page = client.get(f"/en/lectures/{lecture.id}").text
        assert JOIN_URL not in page  # even now only the person's own signed address is shown
        join = page.split('href="')[[i for i, part in enumerate(page.split('href="')) if "/join?t=" in part][0]]
        address = join.split('"')[0].replace("&amp;", "&")
        client.post("/en/account/logout")
        response = client.get(address)  # the signed address works from an e-mail too, without logging in
        assert response.status_code == 302 and response.headers["Location"] == JOIN_URL
        assert client.get(address[:-3] + "abc").status_code == 403
        assert client.get(f"/en/lectures/{lecture.id}/join").status_code == 403
    with clock.freeze(START - timedelta(minutes=16)):
        early = client.get(address)
        assert early.status_code == 403 and JOIN_URL not in early.text


def test_the_cached_list_follows_staff_changes_but_registrations_keep_the_catalogue_cache(make_app, make_lecture,
                                                                                          make_user, staff):
    from campaigns.lectures.services import cancel_lecture

    lecture = make_lecture(titles={"en": "Pricing in yuan"})
    cached = make_app(PAGE_CACHE_SECONDS=300)
    client = cached.test_client()
    with clock.freeze(NOW):
        assert "Pricing in yuan" in client.get("/en/lectures/").text
        with cached.app_context():
            store = cached.extensions["page_cache"]
            version = store.version()
            seats.register(lecture.id, db.session.get(type(staff), make_user().id), "en")
            assert store.version() == version  # a registration leaves every cached catalogue page in place
            cancel_lecture(staff, db.session.get(type(lecture), lecture.id))
            assert store.version() != version
        assert "Pricing in yuan" not in client.get("/en/lectures/").text


def test_an_old_remove_link_does_not_remove_a_later_registration(client, make_lecture, make_user):
    lecture = make_lecture()
    person = make_user()
    with clock.freeze(NOW):
        first = seats.register(lecture.id, person, "en")
        with client.application.test_request_context():
            old = tokens.sign(first)
        seats.cancel(lecture.id, person)
        again = seats.register(lecture.id, person, "en")
        refused = client.post(f"/en/lectures/remove/{old}")
    assert refused.status_code == 400
    db.session.expire_all()
    assert db.session.get(Registration, again.id).status == RegistrationStatus.REGISTERED


def test_absurd_ids_are_not_found(client, login, staff):
    huge = 10**20
    for url in (f"/en/lectures/{huge}", f"/en/lectures/{huge}/join?t=x", f"/api/v1/lectures/{huge}"):
        assert client.get(url).status_code == 404, url
    login(staff)
    assert client.get(f"/en/staff/lectures/{huge}/edit").status_code == 404
    assert client.get(f"/en/staff/lectures/series/{huge}").status_code == 404
